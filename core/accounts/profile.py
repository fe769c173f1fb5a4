""""Mon profil" / "Mes données" (manual 2.1.1): general, contact, social media, addresses, photo.

Screens edit a copy and send everything with :func:`save_profile` ("Sauvegarder les
modifications"); nothing is stored before, and everything is stored in one transaction.
Once the eID is linked, the fields read from the card (:data:`EID_FIELDS`) are read-only;
the eID area fills them with :func:`apply_eid_identity`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from immo_connect.accounts import photo as photos
from immo_connect.accounts.models import Account, Address, Profile
from immo_connect.accounts.validation import clean_first_name, clean_last_name, clean_text
from immo_connect.errors import ValidationError
from immo_connect.i18n import LANGUAGES, _
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.accounts.service import AccountService

EID_FIELDS = ("first_name", "last_name", "birth_date", "birth_place", "nationality", "gender")
GENDERS = ("", "F", "M", "X")
ADDRESS_KINDS = ("home", "work", "postal", "other")
MAX_ADDRESSES = 10
SOCIAL_SITES = {
    "linkedin": ("linkedin.com", "https://www.linkedin.com/in/{handle}"),
    "facebook": ("facebook.com", "https://www.facebook.com/{handle}"),
    "instagram": ("instagram.com", "https://www.instagram.com/{handle}"),
    "x": ("x.com", "https://x.com/{handle}"),
}
_HANDLE = re.compile(r"^@?([A-Za-z0-9._-]{1,100})$")
_PHONE = re.compile(r"^\+?[0-9 ./()-]+$")


@dataclasses.dataclass(frozen=True)
class AddressData:
    kind: str = "home"
    street: str = ""
    number: str = ""
    box: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "BE"


@dataclasses.dataclass(frozen=True)
class ProfileView:
    username: str
    email: str
    first_name: str
    last_name: str
    language: str
    birth_date: dt.date | None
    birth_place: str
    nationality: str
    gender: str
    phone: str
    mobile: str
    website: str
    linkedin: str
    facebook: str
    instagram: str
    x: str
    addresses: tuple[AddressData, ...]
    photo: bytes | None
    eid_linked: bool

    @property
    def read_only(self) -> frozenset[str]:
        return frozenset(EID_FIELDS) if self.eid_linked else frozenset()


@dataclasses.dataclass
class ProfileUpdate:
    """Everything the edit mode shows, as typed. ``photo`` is new photo bytes (None: keep)."""

    first_name: str
    last_name: str
    language: str = "fr"
    birth_date: str = ""
    birth_place: str = ""
    nationality: str = ""
    gender: str = ""
    phone: str = ""
    mobile: str = ""
    website: str = ""
    linkedin: str = ""
    facebook: str = ""
    instagram: str = ""
    x: str = ""
    addresses: list[AddressData] = dataclasses.field(default_factory=list)
    photo: bytes | None = None
    remove_photo: bool = False

    @classmethod
    def from_view(cls, view: ProfileView) -> ProfileUpdate:
        return cls(
            first_name=view.first_name, last_name=view.last_name, language=view.language,
            birth_date=view.birth_date.strftime("%d/%m/%Y") if view.birth_date else "",  # the form's own notation
            birth_place=view.birth_place, nationality=view.nationality, gender=view.gender,
            phone=view.phone, mobile=view.mobile, website=view.website, linkedin=view.linkedin,
            facebook=view.facebook, instagram=view.instagram, x=view.x, addresses=list(view.addresses),
        )


def _profile_row(account: Account) -> tuple[Profile, bool]:
    """The account's profile row (a new, unsaved one when there is none) and whether it is stored."""
    row: Profile | None = Profile.get_or_none(Profile.account == account.id)
    return (row, True) if row is not None else (Profile(account=account.id), False)


def get_profile(svc: AccountService, actor: Account) -> ProfileView:
    return _view(svc.reload(actor))


def _view(account: Account) -> ProfileView:
    """The profile of ``account`` as stored (the account itself already re-read)."""
    row, _stored = _profile_row(account)
    addresses = tuple(
        AddressData(str(a.kind), str(a.street), str(a.number), str(a.box), str(a.postal_code), str(a.city), str(a.country))
        for a in Address.select().where(Address.account == account.id).order_by(Address.position, Address.id)
    )
    return ProfileView(
        username=str(account.username), email=str(account.email or ""), first_name=str(account.first_name),
        last_name=str(account.last_name), language=str(account.language), birth_date=row.birth_date,
        birth_place=str(row.birth_place or ""), nationality=str(row.nationality or ""), gender=str(row.gender or ""),
        phone=str(row.phone or ""), mobile=str(row.mobile or ""), website=str(row.website or ""),
        linkedin=str(row.linkedin or ""), facebook=str(row.facebook or ""), instagram=str(row.instagram or ""),
        x=str(row.x or ""), addresses=addresses, photo=bytes(row.photo) if row.photo else None,
        eid_linked=account.eid_linked_at is not None,
    )


def parse_birth_date(value: str, today: dt.date) -> dt.date | None:
    text = (value or "").strip()
    if not text:
        return None
    for layout in ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y-%m-%d"):
        try:
            day = dt.datetime.strptime(text, layout).date()
            break
        except ValueError:
            continue
    else:
        raise ValidationError(
            _("This is not a date."), hint=_("Write it as day/month/year, e.g. 24/03/1980."),
            code="invalid_date", field="birth_date",
        )
    if not dt.date(1900, 1, 1) <= day < today:
        raise ValidationError(
            _("This birth date is not possible."), hint=_("Check the year."), code="invalid_date", field="birth_date",
        )
    return day


def clean_phone(value: str, field: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        return ""
    digits = re.sub(r"\D", "", text)
    if not _PHONE.match(text) or not 8 <= len(digits) <= 15:
        raise ValidationError(
            _("This is not a telephone number."),
            hint=_("Use digits, spaces and an optional leading +, e.g. +32 470 12 34 56."),
            code="invalid_phone", field=field,
        )
    return text


def clean_url(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        return ""
    if not re.match(r"^https?://", text, re.IGNORECASE):
        text = "https://" + text
    text = clean_text(text, field=field, max_length=200)
    parts = urlsplit(text)
    host = parts.hostname or ""
    if " " in text or "." not in host or not re.fullmatch(r"[a-z0-9.-]+", host):
        raise ValidationError(
            _("This is not a web address."), hint=_("For example https://www.example.be."),
            code="invalid_url", field=field,
        )
    return text


def clean_social(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        return ""
    domain, template = SOCIAL_SITES[field]
    handle = _HANDLE.match(text)
    looks_like_url = "/" in text or text.lower().startswith(("http", "www."))
    if handle is not None and not looks_like_url:
        return template.format(handle=handle.group(1))
    url = clean_url(text, field)
    host = urlsplit(url).hostname or ""
    if host != domain and not host.endswith("." + domain) and not (field == "x" and host.endswith("twitter.com")):
        raise ValidationError(
            _("This address is not on {site}.").format(site=domain),
            hint=_("Paste the address of your page, or just your user name there."),
            code="invalid_social", field=field,
        )
    return url


def clean_address(address: AddressData, index: int) -> AddressData:
    prefix = f"addresses.{index}."
    kind = address.kind if address.kind in ADDRESS_KINDS else ""
    if not kind:
        raise ValidationError(
            _("Choose the kind of address."), hint=_("Home, work, postal or other."),
            code="invalid_kind", field=prefix + "kind",
        )
    street = clean_text(address.street, field=prefix + "street", max_length=120, required=True)
    number = clean_text(address.number, field=prefix + "number", max_length=10, required=True)
    box = clean_text(address.box, field=prefix + "box", max_length=10)
    city = clean_text(address.city, field=prefix + "city", max_length=80, required=True)
    country = (address.country or "BE").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise ValidationError(
            _("Write the country as its two-letter code."), hint=_("For example BE, FR, NL or LU."),
            code="invalid_country", field=prefix + "country",
        )
    postal = clean_text(address.postal_code, field=prefix + "postal_code", max_length=10, required=True).upper()
    valid = re.fullmatch(r"[1-9][0-9]{3}", postal) if country == "BE" else re.fullmatch(r"[A-Z0-9 -]{2,10}", postal)
    if not valid:
        raise ValidationError(
            _("This postal code is not valid for the country."),
            hint=_("A Belgian postal code has 4 digits, from 1000 to 9999."),
            code="invalid_postal_code", field=prefix + "postal_code",
        )
    return AddressData(kind, street, number, box, postal, city, country)


def save_profile(svc: AccountService, actor: Account, update: ProfileUpdate) -> ProfileView:
    account = svc.reload(actor)
    current = _view(account)
    today = svc.now().date()
    values: dict[str, object] = {
        "first_name": clean_first_name(update.first_name),
        "last_name": clean_last_name(update.last_name),
        "birth_date": parse_birth_date(update.birth_date, today),
        "birth_place": clean_text(update.birth_place, field="birth_place", max_length=100),
        "nationality": clean_text(update.nationality, field="nationality", max_length=60),
        "gender": (update.gender or "").strip().upper(),
        "phone": clean_phone(update.phone, "phone"),
        "mobile": clean_phone(update.mobile, "mobile"),
        "website": clean_url(update.website, "website"),
        **{name: clean_social(getattr(update, name), name) for name in SOCIAL_SITES},
    }
    if values["gender"] not in GENDERS:
        raise ValidationError(
            _("Choose F, M, X or leave it empty."), hint=_("As on your identity card."),
            code="invalid_gender", field="gender",
        )
    if update.language not in LANGUAGES:
        raise ValidationError(
            _("This language is not offered."), hint=_("Choose French, Dutch or English."),
            code="invalid_language", field="language",
        )
    if len(update.addresses) > MAX_ADDRESSES:
        raise ValidationError(
            _("At most {count} addresses can be kept.").format(count=MAX_ADDRESSES),
            hint=_("Remove the addresses you no longer use."), code="too_many", field="addresses",
        )
    addresses = [clean_address(a, i) for i, a in enumerate(update.addresses)]
    if current.eid_linked:
        for name in EID_FIELDS:
            if values[name] != getattr(current, name):
                raise ValidationError(
                    _("This field comes from your eID and cannot be changed here."),
                    hint=_("It is updated from the card; contact support if it is wrong."),
                    code="eid_field_locked", field=name,
                )
    new_photo = photos.ensure_prepared(update.photo) if update.photo is not None else None
    now = svc.now()
    changed = sorted(
        name for name, value in values.items() if value != getattr(current, name)
    ) + (["language"] if update.language != current.language else []) + (
        ["addresses"] if tuple(addresses) != current.addresses else []
    ) + (["photo"] if new_photo is not None or (update.remove_photo and current.photo) else [])
    with transaction():
        Account.update(
            first_name=values["first_name"], last_name=values["last_name"], language=update.language,
        ).where(Account.id == account.id).execute()
        if "first_name" in changed or "last_name" in changed:
            # Employee lists are ordered by a copy of the name kept on each membership.
            svc.platform.organisations.refresh_sort_names(int(account.id))
        row, stored = _profile_row(account)
        for name in ("birth_date", "birth_place", "nationality", "gender", "phone", "mobile", "website", *SOCIAL_SITES):
            setattr(row, name, values[name])
        if new_photo is not None:
            row.photo, row.photo_updated_at = new_photo, now
        elif update.remove_photo:
            row.photo, row.photo_updated_at = None, now
        row.updated_at = now
        row.save(force_insert=not stored)  # the key is the account: save() alone would only update
        Address.delete().where(Address.account == account.id).execute()
        for position, address in enumerate(addresses):
            Address.create(account=account.id, position=position, **dataclasses.asdict(address))
        svc.audit("profile.updated", account=account, detail={"fields": changed})
    return get_profile(svc, account)


def choose_language(svc: AccountService, account: Account, language: str) -> str:
    if language not in LANGUAGES:
        raise ValidationError(
            _("This language is not offered."), hint=_("Choose French, Dutch or English."),
            code="invalid_language", field="language",
        )
    if str(account.language) != language:
        with transaction():
            Account.update(language=language).where(Account.id == account.id).execute()
            svc.audit("profile.updated", account=account, detail={"fields": ["language"]})
    return language


def apply_eid_identity(account_id: int, *, now: dt.datetime, **fields: object) -> None:
    """Fill the eID fields of the profile (for the eID area, inside its linking transaction)."""
    unknown = set(fields) - set(EID_FIELDS)
    if unknown:
        raise ValueError(f"not eID profile fields: {sorted(unknown)}")
    names = {k: v for k, v in fields.items() if k in ("first_name", "last_name")}
    if names:
        Account.update(**names).where(Account.id == account_id).execute()
    rest = {k: v for k, v in fields.items() if k not in names}
    if not Profile.select().where(Profile.account == account_id).exists():
        Profile.create(account=account_id, updated_at=now)
    if rest:
        Profile.update(updated_at=now, **rest).where(Profile.account == account_id).execute()

"""The organisation services, reached as ``platform.organisations``.

Looking an organisation up by enterprise number, creating one (its creator becomes the first
manager), asking to join one, the user's list of organisations, and the organisation's own
data (managers only). Employee management lives in :mod:`._employees`; authorization in
:mod:`._access`. Plugin events fire after the transaction commits.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import peewee

from immo_connect.accounts.models import Account
from immo_connect.errors import ConflictError, PermissionDenied, ValidationError
from immo_connect.formats import enterprise
from immo_connect.i18n import _
from immo_connect.organisations import _notify, images
from immo_connect.organisations._access import ActorRef
from immo_connect.organisations._employees import (
    EmployeeActions,
    account_sort_name,
    apply_employee_data,
)
from immo_connect.organisations.data import (
    AddressData,
    EmployeeData,
    JoinResult,
    LookupResult,
    OrganisationData,
    OrganisationSummary,
)
from immo_connect.organisations.models import (
    Membership,
    Organisation,
    OrganisationAddress,
)
from immo_connect.storage import on_commit

_DATA_FIELDS = ("name", "legal_form", "email", "phone", "vat_liable", "description", "mobile",
                "website", "facebook", "linkedin", "instagram", "twitter", "accountant_email")


@dataclasses.dataclass(frozen=True)
class OrganisationView:
    """An organisation's data as its members see it."""

    id: int
    enterprise_number: str
    data: OrganisationData
    has_logo: bool
    has_cover: bool
    can_edit: bool  # the actor manages it
    manager_names: tuple[str, ...]

    @property
    def display_number(self) -> str:
        return enterprise.format_number(self.enterprise_number)


class OrganisationService(EmployeeActions):
    # -- finding and creating ----------------------------------------------------------------------

    def lookup(self, actor: ActorRef, enterprise_number: str) -> LookupResult:
        """Whether an organisation with this number exists (and the actor's membership of it)."""
        number = enterprise.validate(enterprise_number)

        def read() -> LookupResult:
            account = self._account(actor)
            organisation: Organisation | None = Organisation.get_or_none(
                Organisation.enterprise_number == number)
            if organisation is None:
                return LookupResult(enterprise_number=number, found=False)
            mine = self._membership_of(account, organisation.id)
            return LookupResult(
                enterprise_number=number, found=True, organisation_id=organisation.id,
                name=str(organisation.name), my_status=str(mine.status) if mine else None,
            )

        return self._read(read)

    def create(self, actor: ActorRef, data: OrganisationData, employee: EmployeeData,
               *, enterprise_number: str) -> Organisation:
        """Create an organisation; the actor becomes its first (active) manager."""
        number = enterprise.validate(enterprise_number)
        clean, me = data.cleaned(), employee.cleaned()
        try:
            with self._change():
                account = self._account(actor)
                if Organisation.select().where(Organisation.enterprise_number == number).exists():
                    raise self._exists(number)
                now = self.platform.clock.now()
                organisation: Organisation = Organisation(
                    enterprise_number=number, created_at=now, created_by=account.id)
                self._apply(organisation, clean)
                organisation.save(force_insert=True)
                self._write_addresses(organisation, clean.addresses)
                membership: Membership = Membership(
                    organisation=organisation, account=account, status="active", is_manager=True,
                    created_at=now, confirmed_at=now, confirmed_by=account.id,
                    sort_name=account_sort_name(account),
                )
                apply_employee_data(membership, me)
                membership.save(force_insert=True)
                self._audit("org.created", account, organisation_id=organisation.id,
                            target=f"organisation:{organisation.id} {number}",
                            detail={"name": organisation.name})
        except peewee.IntegrityError:
            raise self._exists(number) from None  # another request created it a moment ago
        on_commit(lambda: self.platform.plugins.organisation_created(organisation, actor=account))
        return organisation

    @staticmethod
    def _exists(number: str) -> ConflictError:
        return ConflictError(
            _("An organisation with the enterprise number {number} already exists.").format(
                number=enterprise.format_number(number)),
            hint=_("Send a join request to it instead; its managers will confirm you."),
            field="enterprise_number", code="organisation_exists",
        )

    def request_to_join(self, actor: ActorRef, enterprise_number: str, employee: EmployeeData) -> JoinResult:
        """Ask to join an existing organisation; its managers are e-mailed.

        The membership stays pending (the organisation cannot be used) until a manager confirms.
        """
        number = enterprise.validate(enterprise_number)
        me = employee.cleaned()
        with self._change():
            account = self._account(actor)
            organisation: Organisation | None = Organisation.get_or_none(
                Organisation.enterprise_number == number)
            if organisation is None:
                raise ConflictError(
                    _("No organisation has the enterprise number {number} yet.").format(
                        number=enterprise.format_number(number)),
                    hint=_("Create the organisation instead."), field="enterprise_number",
                    code="organisation_not_found",
                )
            existing = self._membership_of(account, organisation.id)
            if existing is not None:
                raise self._already(existing, organisation)
            now = self.platform.clock.now()
            membership: Membership = Membership(
                organisation=organisation, account=account, status="pending", is_manager=False,
                created_at=now, sort_name=account_sort_name(account),
            )
            apply_employee_data(membership, me)
            membership.save(force_insert=True)
            managers = self._managers(organisation.id)
            event = self._audit("org.join_requested", account, organisation_id=organisation.id,
                                target=f"membership:{membership.id} {account.username}")
            _notify.membership_requested(organisation, account, membership, managers, event.id)
        on_commit(lambda: self.platform.plugins.membership_requested(membership))
        return JoinResult(
            membership_id=membership.id, organisation_id=organisation.id,
            organisation_name=str(organisation.name),
            manager_names=tuple(m.display_name for m in managers),
        )

    def _already(self, existing: Membership, organisation: Organisation) -> ConflictError | PermissionDenied:
        if existing.status == "blocked":
            account = existing.account
            return self._refused(
                "org.join_requested", account.id, account.username, organisation.id,
                f"organisation:{organisation.id}",
                _("Your membership of {name} is blocked.").format(name=organisation.name),
                _("Contact a manager of the organisation."), reason="membership_blocked",
            )
        if existing.status == "pending":
            return ConflictError(
                _("Your request to join {name} is already awaiting confirmation.").format(
                    name=organisation.name),
                hint=_("A manager will confirm it; you will receive an e-mail."), code="already_requested",
            )
        return ConflictError(
            _("You are already a member of {name}.").format(name=organisation.name),
            hint=_("Find it under \"My organisations\"."), code="already_member",
        )

    @staticmethod
    def _managers(organisation_id: int) -> list[Account]:
        return list(
            Account.select().join(Membership, on=(Membership.account == Account.id))
            .where((Membership.organisation == organisation_id) & (Membership.status == "active")
                   & (Membership.is_manager == True))
            .order_by(Account.last_name, Account.first_name, Account.id)
        )

    # -- the actor's organisations -----------------------------------------------------------------

    def organisations_of(self, actor: ActorRef) -> list[OrganisationSummary]:
        """Every organisation the actor belongs to, in any status, by name."""

        def read() -> list[OrganisationSummary]:
            account = self._account(actor)
            rows = list(
                Membership.select(Membership, Organisation)
                .join(Organisation, on=(Membership.organisation == Organisation.id))
                .where(Membership.account == account.id)
                .order_by(Organisation.name, Organisation.id)
            )
            managed = [m.organisation_key for m in rows if m.is_active_manager]
            waiting: dict[int, int] = {}
            if managed:
                count = peewee.fn.COUNT(Membership.id)
                counts: Any = (
                    Membership.select(Membership.organisation, count)
                    .where(Membership.organisation.in_(managed) & (Membership.status == "pending"))
                    .group_by(Membership.organisation).tuples()
                )
                waiting = {int(organisation_id): int(n) for organisation_id, n in counts}
            key = account_sort_name(account)
            stale = [m.id for m in rows if m.sort_name != key]
            if stale:  # the account was renamed since: keep the employee lists in name order
                Membership.update(sort_name=key).where(Membership.id.in_(stale)).execute()
            return [
                OrganisationSummary(
                    id=m.organisation.id, name=str(m.organisation.name),
                    enterprise_number=str(m.organisation.enterprise_number), status=str(m.status),
                    is_manager=m.is_active_manager, pending_requests=waiting.get(m.organisation_key, 0),
                )
                for m in rows
            ]

        return self._read(read)

    def refresh_sort_names(self, account_id: int) -> int:
        """Re-sort an account's memberships after a change of name (for the accounts area)."""
        account: Account | None = Account.get_or_none(Account.id == int(account_id))
        if account is None:
            return 0
        with self._change():
            changed: int = Membership.update(sort_name=account_sort_name(account)).where(
                Membership.account == account.id).execute()
        return changed

    # -- the organisation's data --------------------------------------------------------------------

    def view(self, actor: ActorRef, organisation_id: int) -> OrganisationView:
        """The organisation's data, for its active members."""

        def read() -> OrganisationView:
            _account, organisation, mine = self._check("org.view", actor, organisation_id, manager=False)
            return self._view(organisation, can_edit=bool(mine.is_manager))

        return self._read(read)

    def _view(self, organisation: Organisation, *, can_edit: bool) -> OrganisationView:
        addresses = tuple(
            AddressData(street=a.street, number=a.number, postal_code=a.postal_code, city=a.city,
                        box=a.box, country=a.country, kind=a.kind)
            for a in OrganisationAddress.select().where(OrganisationAddress.organisation == organisation.id)
            .order_by(OrganisationAddress.position, OrganisationAddress.id)
        )
        values = {name: getattr(organisation, name) for name in _DATA_FIELDS}
        return OrganisationView(
            id=organisation.id, enterprise_number=str(organisation.enterprise_number),
            data=OrganisationData(addresses=addresses, **values),
            has_logo=organisation.logo is not None, has_cover=organisation.cover is not None,
            can_edit=can_edit,
            manager_names=tuple(m.display_name for m in self._managers(organisation.id)),
        )

    def update(self, actor: ActorRef, organisation_id: int, data: OrganisationData) -> OrganisationView:
        """Save the organisation's data ("Sauvegarder les modifications"); managers only."""
        clean = data.cleaned()
        with self._change():
            account, organisation, _mine = self._check("org.update", actor, organisation_id, manager=True)
            changed = [n for n in _DATA_FIELDS if getattr(organisation, n) != getattr(clean, n)]
            before = self._view(organisation, can_edit=True).data.addresses
            if before != clean.addresses:
                changed.append("addresses")
            self._apply(organisation, clean)
            organisation.updated_at = self.platform.clock.now()
            organisation.save()
            self._write_addresses(organisation, clean.addresses)
            self._audit("org.updated", account, organisation_id=organisation.id,
                        target=f"organisation:{organisation.id}", detail={"fields": sorted(changed)})
            return self._view(organisation, can_edit=True)

    @staticmethod
    def _apply(organisation: Organisation, data: OrganisationData) -> None:
        for name in _DATA_FIELDS:
            setattr(organisation, name, getattr(data, name))
        office = data.addresses[0]
        organisation.address = OrganisationAddress(
            street=office.street, number=office.number, box=office.box,
            postal_code=office.postal_code, city=office.city, country=office.country,
        ).one_line()[:300]

    @staticmethod
    def _write_addresses(organisation: Organisation, addresses: tuple[AddressData, ...]) -> None:
        OrganisationAddress.delete().where(OrganisationAddress.organisation == organisation.id).execute()
        for position, address in enumerate(addresses):
            OrganisationAddress.create(organisation=organisation, position=position,
                                       **dataclasses.asdict(address))

    def set_image(self, actor: ActorRef, organisation_id: int, kind: images.ImageKind,
                  source: bytes | str, *, crop: tuple[float, float, float, float] | None = None) -> None:
        """Load a logo or cover photo (checked, cut and scaled with Pillow); managers only.

        ``source`` is the image's bytes or the name of a file, read as
        :func:`immo_connect.uploads.read_user_file` allows (over SSH: the upload folder only).
        """
        from immo_connect import uploads

        account, _organisation, _mine = self._read(
            lambda: self._check(f"org.{kind}", actor, organisation_id, manager=True))
        if not isinstance(source, bytes):
            source = uploads.read_user_file(self.platform, account, source, max_bytes=images.MAX_BYTES,
                                            purpose=f"org.{kind}", field="image")
        prepared = images.prepare(source, kind, crop=crop)  # slow part outside the transaction
        self._store_image(actor, organisation_id, kind, prepared)

    def remove_image(self, actor: ActorRef, organisation_id: int, kind: images.ImageKind) -> None:
        self._store_image(actor, organisation_id, kind, None)

    def _store_image(self, actor: ActorRef, organisation_id: int, kind: str, value: bytes | None) -> None:
        if kind not in ("logo", "cover"):
            raise ValidationError(_("Unknown kind of image."), hint=_("Choose a logo or a cover photo."),
                                  field="image", code="choice")
        with self._change():
            account, organisation, _mine = self._check(f"org.{kind}", actor, organisation_id, manager=True)
            setattr(organisation, kind, value)
            organisation.updated_at = self.platform.clock.now()
            organisation.save()
            self._audit(f"org.{kind}_{'set' if value is not None else 'removed'}", account,
                        organisation_id=organisation.id, target=f"organisation:{organisation.id}",
                        detail={"bytes": len(value) if value is not None else 0})

    def image(self, actor: ActorRef, organisation_id: int, kind: images.ImageKind) -> bytes | None:
        def read() -> bytes | None:
            _account, organisation, _mine = self._check("org.view", actor, organisation_id, manager=False)
            value = getattr(organisation, kind) if kind in ("logo", "cover") else None
            return bytes(value) if value is not None else None

        return self._read(read)

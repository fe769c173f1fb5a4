""""Mes données": everything saved at once or not at all; eID fields read-only; the photo."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from PIL import Image

from immo_connect import uploads
from immo_connect.accounts import photo
from immo_connect.accounts.models import Account, Address, Profile
from immo_connect.accounts.photo import CropBox
from immo_connect.accounts.profile import AddressData, ProfileUpdate, apply_eid_identity
from immo_connect.errors import ValidationError
from immo_connect.platform import Platform
from tests.support.factories import add_member, make_account, make_organisation


def image_file(folder: Path, size: tuple[int, int] = (400, 300), name: str = "photo.png") -> Path:
    """A picture with a red left half and a blue right half."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    path = folder / name
    image.save(path)
    return path


def full_update(**changes: object) -> ProfileUpdate:
    values: dict[str, object] = dict(
        first_name="Anne", last_name="Peeters", language="nl", birth_date="24/03/1978", birth_place="Gent",
        nationality="Belge", gender="F", phone="+32 2 512 34 56", mobile="0470 12 34 56",
        website="www.immo-peeters.be", linkedin="anne-peeters", facebook="https://www.facebook.com/anne.p",
        instagram="@anne.peeters", x="https://twitter.com/annep",
        addresses=[AddressData("home", "Rue Royale", "12", "", "1000", "Bruxelles", "BE"),
                   AddressData("work", "Avenue Louise", "54", "3", "1050", "Ixelles", "BE")],
    )
    values.update(changes)
    return ProfileUpdate(**values)  # type: ignore[arg-type]


def test_save_and_read_back_every_section(platform: Platform) -> None:
    actor = make_account("anne.peeters")
    view = platform.accounts.save_profile(actor, full_update())
    assert view.birth_date.isoformat() == "1978-03-24"
    assert view.website == "https://www.immo-peeters.be"
    assert view.linkedin == "https://www.linkedin.com/in/anne-peeters"
    assert view.instagram == "https://www.instagram.com/anne.peeters"
    assert view.x == "https://twitter.com/annep"
    assert [a.city for a in view.addresses] == ["Bruxelles", "Ixelles"]
    assert view.language == "nl" and Account.get_by_id(actor.id).language == "nl"
    again = platform.accounts.profile(actor)
    assert again == view
    assert ProfileUpdate.from_view(view).birth_date == "24/03/1978"
    # A second save updates the stored row instead of adding one.
    changed = platform.accounts.save_profile(actor, full_update(birth_place="Antwerpen"))
    assert changed.birth_place == "Antwerpen"
    assert [row.birth_place for row in Profile.select().where(Profile.account == actor.id)] == ["Antwerpen"]


def test_a_new_name_moves_the_account_in_employee_lists_at_once(platform: Platform) -> None:
    manager = make_account("alice.aerts", first_name="Alice", last_name="Aerts")
    organisation = make_organisation(manager)
    renamed = make_account("bob.zeeman", first_name="Bob", last_name="Zeeman")
    add_member(organisation, renamed)
    before = platform.organisations.list_employees(manager, organisation.id).rows
    assert [row.username for row in before] == ["alice.aerts", "bob.zeeman"]
    platform.accounts.save_profile(renamed, full_update(first_name="Bob", last_name="Abbas", addresses=[]))
    after = platform.organisations.list_employees(manager, organisation.id).rows
    assert [row.username for row in after] == ["bob.zeeman", "alice.aerts"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"first_name": ""}, "first_name"),
    ({"last_name": "X" * 101}, "last_name"),
    ({"birth_date": "31/02/1980"}, "birth_date"),
    ({"birth_date": "01/01/2999"}, "birth_date"),
    ({"phone": "12"}, "phone"),
    ({"mobile": "appelez-moi"}, "mobile"),
    ({"website": "pas une adresse"}, "website"),
    ({"instagram": "https://www.facebook.com/anne"}, "instagram"),
    ({"gender": "Q"}, "gender"),
    ({"language": "de"}, "language"),
    ({"nationality": "B" * 61}, "nationality"),
    ({"addresses": [AddressData("home", "", "12", "", "1000", "Bruxelles", "BE")]}, "addresses.0.street"),
    ({"addresses": [AddressData("home", "Rue", "12", "", "100", "Bruxelles", "BE")]}, "addresses.0.postal_code"),
    ({"addresses": [AddressData("castle", "Rue", "12", "", "1000", "Bruxelles", "BE")]}, "addresses.0.kind"),
    ({"addresses": [AddressData("home", "Rue", "12", "", "1000", "Bruxelles", "Belgique")]}, "addresses.0.country"),
    ({"addresses": [AddressData("home", "Rue", "12", "", "1000", "Bruxelles")] * 11}, "addresses"),
])
def test_bad_input_is_named_and_nothing_is_saved(platform: Platform, changes: dict[str, object], field: str) -> None:
    actor = make_account("anne.peeters")
    platform.accounts.save_profile(actor, full_update())
    before = platform.accounts.profile(actor)
    with pytest.raises(ValidationError) as caught:
        platform.accounts.save_profile(actor, full_update(**{"website": "https://autre.example.be", **changes}))
    assert caught.value.field == field
    assert caught.value.message and caught.value.hint
    assert platform.accounts.profile(actor) == before


def test_photo_is_cropped_resized_and_stored_with_the_profile(platform: Platform, tmp_path: Path) -> None:
    actor = make_account("anne.peeters")
    path = image_file(tmp_path)
    left_square = platform.accounts.prepare_photo(actor, str(path), CropBox(0, 0, 150))
    assert Image.open(io.BytesIO(left_square)).size == (photo.OUTPUT_SIZE, photo.OUTPUT_SIZE)
    assert Image.open(io.BytesIO(left_square)).getpixel((128, 128))[0] > 200  # the red half was kept
    assert platform.accounts.profile(actor).photo is None  # nothing stored before saving
    view = platform.accounts.save_profile(actor, dataclasses.replace(full_update(), photo=left_square))
    assert view.photo == left_square
    assert Profile.get(Profile.account == actor.id).photo_updated_at is not None
    # A raw image sent directly is prepared by the service too.
    raw = path.read_bytes()
    view = platform.accounts.save_profile(actor, dataclasses.replace(full_update(), photo=raw))
    assert Image.open(io.BytesIO(view.photo)).size == (photo.OUTPUT_SIZE, photo.OUTPUT_SIZE)
    view = platform.accounts.save_profile(actor, dataclasses.replace(full_update(), remove_photo=True))
    assert view.photo is None


def test_crop_box_moves_and_zooms_inside_the_image() -> None:
    box = CropBox.centred(400, 300)
    assert box == CropBox(50, 0, 300)
    assert box.moved(-1000, 0, 400, 300) == CropBox(0, 0, 300)
    zoomed = box.zoomed(2, 400, 300)
    assert zoomed.side == 150 and zoomed.left == 125
    assert zoomed.zoomed(0.1, 400, 300).side == 300


@pytest.mark.parametrize(("content", "code"), [
    (b"", "photo_size"), (b"this is not an image", "photo_unreadable"),
])
def test_unreadable_photos_are_refused(platform: Platform, tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(content)
    with pytest.raises(ValidationError) as caught:
        photo.prepare(uploads.read_user_file(platform, make_account("anne.peeters"), str(path),
                                             max_bytes=photo.MAX_FILE_BYTES, purpose="photo", field="photo"))
    assert caught.value.code == code and caught.value.field == "photo"


def test_missing_photo_file_and_preview(platform: Platform, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        platform.accounts.read_photo_file(make_account("anne.peeters"), str(tmp_path / "absent.png"))
    assert caught.value.code == "upload_missing" and caught.value.field == "photo"
    pixels = photo.preview(image_file(tmp_path).read_bytes(), CropBox(0, 0, 300), 8)
    assert len(pixels) == 8 and len(pixels[0]) == 8
    assert pixels[4][0][0] > 200 and pixels[4][7][2] > 200  # red on the left, blue on the right


def test_eid_fields_become_read_only_once_linked(platform: Platform) -> None:
    actor = make_account("anne.peeters")
    platform.accounts.save_profile(actor, full_update())
    apply_eid_identity(int(actor.id), now=platform.clock.now(), first_name="Anne", last_name="Peeters",
                       birth_place="Gent")
    Account.update(eid_linked_at=platform.clock.now()).where(Account.id == actor.id).execute()
    view = platform.accounts.profile(actor)
    assert "last_name" in view.read_only
    with pytest.raises(ValidationError) as caught:
        platform.accounts.save_profile(actor, full_update(last_name="Janssens"))
    assert caught.value.code == "eid_field_locked" and caught.value.field == "last_name"
    saved = platform.accounts.save_profile(actor, full_update(mobile="+32 486 11 22 33"))
    assert saved.mobile == "+32 486 11 22 33" and saved.last_name == "Peeters"
    assert Address.select().where(Address.account == actor.id).count() == 2

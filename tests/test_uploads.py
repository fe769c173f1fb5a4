"""Files a person hands to the platform: over SSH only from their own upload folder."""

from __future__ import annotations

import io
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from immo_connect import uploads
from immo_connect.accounts.models import Account
from immo_connect.accounts.photo import MAX_FILE_BYTES
from immo_connect.audit import AuditEvent
from immo_connect.errors import ValidationError
from immo_connect.platform import Platform
from tests.support.factories import make_account, make_organisation

SSH_CONFIG = '[ssh]\npublic_address = "immo.example.be:2222"\n'


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def remote(make_platform: Callable[..., Platform]) -> Platform:
    """The platform as a session served over SSH builds it."""
    return make_platform(source="ssh:192.0.2.7", config_text=SSH_CONFIG)


def read(platform: Platform, account: Account, typed: str) -> bytes:
    return uploads.read_user_file(platform, account, typed, max_bytes=MAX_FILE_BYTES, purpose="photo", field="photo")


def refusal(platform: Platform, account: Account, typed: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        read(platform, account, typed)
    return caught.value


def test_the_upload_folder_is_private_and_made_on_demand(remote: Platform) -> None:
    anne = make_account("anne.peeters")
    folder = uploads.upload_folder(remote.settings, anne.id)
    assert folder == remote.settings.data_dir / "uploads" / str(anne.id)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    (folder / "photo.png").write_bytes(png())
    os.symlink("/etc/hostname", folder / "link.png")
    assert uploads.uploaded_files(remote.settings, anne.id) == ["photo.png"]  # links are not offered
    assert read(remote, anne, "photo.png") == png()
    assert read(remote, anne, str(folder / "photo.png")) == png()  # its own full path is inside


def test_over_ssh_a_path_outside_the_folder_is_refused_without_saying_whether_it_exists(
    remote: Platform, tmp_path: Path,
) -> None:
    anne = make_account("anne.peeters")
    bob = make_account("bob.janssens")
    others = uploads.upload_folder(remote.settings, bob.id)
    (others / "photo.png").write_bytes(png())
    secret = tmp_path / "passwd"
    secret.write_bytes(png())
    typed = [str(secret), str(tmp_path / "nothing" / "passwd"), "../../../../etc/passwd",
             f"../{bob.id}/photo.png", str(others / "photo.png"), "/etc/passwd"]
    refusals = [refusal(remote, anne, path) for path in typed]
    assert {error.code for error in refusals} == {"upload_outside_folder"}
    assert refusals[0].message == refusals[1].message  # an existing file and a missing one: the same words
    assert all("sftp -P 2222 immo.example.be" in str(error.hint) for error in refusals)
    assert str(tmp_path) not in refusals[0].message
    events = list(AuditEvent.select().where(AuditEvent.action == "upload.refused"))
    assert len(events) == len(typed)
    assert {(event.actor_id, event.outcome, event.target, event.source) for event in events} == {
        (anne.id, "refused", "photo", "ssh:192.0.2.7")}
    assert all(json.loads(event.detail) == {"refusal": "upload_outside_folder"} for event in events)


def test_over_ssh_links_fifos_and_large_files_in_the_folder_are_refused(remote: Platform, tmp_path: Path) -> None:
    anne = make_account("anne.peeters")
    folder = uploads.upload_folder(remote.settings, anne.id)
    outside = tmp_path / "outside.png"
    outside.write_bytes(png())
    os.symlink(outside, folder / "link.png")
    os.symlink(tmp_path, folder / "door")
    os.mkfifo(folder / "pipe.png")
    (folder / "big.png").write_bytes(b"\0" * (MAX_FILE_BYTES + 1))
    assert refusal(remote, anne, "link.png").code == "upload_outside_folder"
    assert refusal(remote, anne, "door/outside.png").code == "upload_outside_folder"
    assert refusal(remote, anne, "pipe.png").code == "upload_not_a_file"  # refused, not waited on
    too_big = refusal(remote, anne, "big.png")
    assert too_big.code == "upload_too_large" and " 10 M" in too_big.message
    missing = refusal(remote, anne, "absent.png")
    assert missing.code == "upload_missing" and "sftp -P 2222 immo.example.be" in str(missing.hint)


def test_a_local_session_reads_the_persons_own_files(platform: Platform, tmp_path: Path) -> None:
    anne = make_account("anne.peeters")
    picture = tmp_path / "photo.png"
    picture.write_bytes(png())
    assert read(platform, anne, str(picture)) == png()
    os.mkfifo(tmp_path / "pipe")
    assert refusal(platform, anne, str(tmp_path / "pipe")).code == "upload_not_a_file"
    assert not uploads.is_remote(platform)


def test_organisation_logo_over_ssh_comes_from_the_upload_folder(remote: Platform, tmp_path: Path) -> None:
    anne = make_account("anne.peeters")
    organisation = make_organisation(anne)
    service = remote.organisations
    outside = tmp_path / "logo.png"
    outside.write_bytes(png())
    with pytest.raises(ValidationError) as caught:
        service.set_image(anne, organisation.id, "logo", str(outside))
    assert caught.value.code == "upload_outside_folder" and caught.value.field == "image"
    assert service.image(anne, organisation.id, "logo") is None
    (uploads.upload_folder(remote.settings, anne.id) / "logo.png").write_bytes(png())
    service.set_image(anne, organisation.id, "logo", "logo.png")
    assert service.image(anne, organisation.id, "logo") is not None
    event = AuditEvent.get(AuditEvent.action == "upload.refused")
    assert event.target == "org.logo"


def test_the_sftp_command_follows_the_configuration(make_platform: Callable[..., Platform]) -> None:
    assert uploads.sftp_command(make_platform(config_text=SSH_CONFIG).settings) == "sftp -P 2222 immo.example.be"
    default = make_platform(config_text='[platform]\nwebsite = "https://immo.example.be"\n[ssh]\nlisten = "0.0.0.0:22"\n')
    assert uploads.sftp_command(default.settings) == "sftp immo.example.be"

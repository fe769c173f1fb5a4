"""SFTP on the embedded SSH server: a real asyncssh client on loopback, kept in its upload folder."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncssh
import pytest

from immo_connect import uploads
from immo_connect.audit import AuditEvent
from immo_connect.platform import Platform
from immo_connect.ssh.server import SshServer
from immo_connect.ssh.uploads import MAX_UPLOAD_BYTES
from tests.support.docs import block_with, substitute
from tests.support.factories import make_account
from tests.support.ssh import connect


@pytest.fixture
async def server(make_platform: Callable[..., Platform]) -> AsyncIterator[SshServer]:
    platform = make_platform(config_text="[ssh]\nprefork = false\n")
    running = SshServer(platform, asyncssh.generate_private_key("ssh-ed25519"))
    await running.start("127.0.0.1", 0)
    yield running
    await running.close()


async def audits_written(server: SshServer) -> None:
    """The server writes audit events in the background: wait for those already started."""
    await asyncio.gather(*list(server._tasks), return_exceptions=True)


async def test_sftp_puts_files_in_the_keys_own_upload_folder_and_nowhere_else(
    server: SshServer, tmp_path: Path,
) -> None:
    settings = server.platform.settings
    anne, bob = make_account("anne.peeters"), make_account("bob.janssens")
    key = asyncssh.generate_private_key("ssh-ed25519")
    server.platform.ssh_keys.add_key(anne, key.export_public_key().decode())
    bobs = uploads.upload_folder(settings, bob.id)
    (bobs / "bob.png").write_bytes(b"bob's picture")
    picture = tmp_path / "moi.png"
    picture.write_bytes(b"anne's picture")
    stolen = tmp_path / "stolen"
    async with await connect(server.port, key=key) as conn, conn.start_sftp_client() as sftp:
        await sftp.put(str(picture), "moi.png")
        assert "moi.png" in await sftp.listdir(".")
        assert await sftp.realpath("../..") == "/"
        for path in ("../../../etc/hostname", f"../{bob.id}/bob.png", f"/{bob.id}/bob.png", str(bobs / "bob.png")):
            with pytest.raises(asyncssh.SFTPError):
                await sftp.get(path, str(stolen))
            assert not stolen.exists()
        with pytest.raises(asyncssh.SFTPPermissionDenied):
            await sftp.symlink("/etc/hostname", "link.png")
        with pytest.raises(asyncssh.SFTPPermissionDenied):
            await sftp.chmod(".", 0o777)
        async with sftp.open("big.png", "wb") as big:
            with pytest.raises(asyncssh.SFTPFailure):
                await big.write(b"\0" * (MAX_UPLOAD_BYTES + 1))
    folder = uploads.upload_folder(settings, anne.id)
    assert (folder / "moi.png").read_bytes() == b"anne's picture"
    assert uploads.uploaded_files(settings, anne.id) == ["big.png", "moi.png"]
    assert not (folder / "link.png").exists() and oct(folder.stat().st_mode & 0o777) == "0o700"
    assert uploads.uploaded_files(settings, bob.id) == ["bob.png"]
    await audits_written(server)
    opened = AuditEvent.get(AuditEvent.action == "ssh.sftp.open")
    assert opened.actor_id == anne.id and opened.outcome == "success"


async def test_sftp_without_a_registered_key_refuses_everything(server: SshServer, tmp_path: Path) -> None:
    anne = make_account("anne.peeters")
    (uploads.upload_folder(server.platform.settings, anne.id) / "moi.png").write_bytes(b"anne's picture")
    picture = tmp_path / "x.png"
    picture.write_bytes(b"x")
    async with await connect(server.port) as conn, conn.start_sftp_client() as sftp:
        for attempt in (sftp.listdir("."), sftp.put(str(picture), "x.png"), sftp.get("moi.png", str(tmp_path / "y"))):
            with pytest.raises(asyncssh.SFTPPermissionDenied):
                await attempt
    await audits_written(server)
    refused = AuditEvent.get(AuditEvent.action == "ssh.sftp.open")
    assert refused.outcome == "refused" and json.loads(refused.detail) == {"reason": "no_key"}


@pytest.mark.skipif(not shutil.which("sftp"), reason="needs the OpenSSH sftp client")
async def test_the_sftp_command_of_the_accounts_doc_puts_the_photo_where_the_photo_window_reads(
    server: SshServer, make_platform: Callable[..., Platform], tmp_path: Path,
) -> None:
    block = block_with("accounts.md", "sftp> put")
    command, *session = block.strip().splitlines()
    # The windows show the same command for the configured address.
    shown = make_platform(config_text='[ssh]\npublic_address = "immo.example.be:2222"\n').settings
    assert uploads.sftp_command(shown) == command
    anne = make_account("anne.peeters")
    key = asyncssh.generate_private_key("ssh-ed25519")
    server.platform.ssh_keys.add_key(anne, key.export_public_key().decode())
    key_file = tmp_path / "id_ed25519"
    key.write_private_key(str(key_file))
    key_file.chmod(0o600)
    batch = tmp_path / "batch"
    batch.write_text("".join(line.removeprefix("sftp> ") + "\n" for line in session))
    (tmp_path / "photo.jpg").write_bytes(b"a photo")
    program, *arguments = substitute(command, {"2222": str(server.port), "immo.example.be": "127.0.0.1"}).split()
    process = await asyncio.create_subprocess_exec(
        program, "-i", str(key_file), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-F", "/dev/null", "-b", str(batch), *arguments,
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, output.decode()
    assert read_user_file_over_ssh(server.platform, anne, "photo.jpg") == b"a photo"


def read_user_file_over_ssh(platform: Platform, account: object, name: str) -> bytes:
    remote = dataclasses.replace(platform, source="ssh:127.0.0.1")
    return uploads.read_user_file(remote, account, name, max_bytes=1024, purpose="photo",  # type: ignore[arg-type]
                                  field="photo")

"""A database that refuses writes (full disk, read-only file or file system) gives one clear
error naming what happened, that nothing was saved and what the operator must do; for real:
a tiny tmpfs filled up, a file system remounted read-only, a read-only file as another user."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import peewee
import pytest

from immo_connect.platform import Platform
from immo_connect.storage import StorageError, storage_error
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.wallet.wallet import WalletScreen
from tests.support.factories import make_account, make_organisation
from tests.support.nobody import AS_NOBODY, nobody_can_run_the_platform
from tests.support.tui import settle, sign_in

ROOT = Path(__file__).resolve().parents[1]
PYTHON = f"{sys.executable} -m immo_connect"


def can_mount() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True, check=False)
    return probe.returncode == 0


needs_mount = pytest.mark.skipif(not can_mount(), reason="needs root and mount namespaces for a real tmpfs")


def in_namespace(script: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run ``script`` (sh) in a private mount namespace: its mounts vanish with it."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    environ.update(IMMO_CONNECT_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(data_dir.parent))
    data_dir.mkdir()
    return subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, env=environ,
                          timeout=180, check=False)


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "unexpected" not in stderr and "inattendue" not in stderr
    return lines[0]


@needs_mount
def test_a_full_disk_is_named_and_space_freed_lets_the_operator_try_again(tmp_path: Path) -> None:
    data = tmp_path / "data"
    script = f"""
mount -t tmpfs -o size=8m tmpfs {data}
{PYTHON} db upgrade > /dev/null || exit 10
dd if=/dev/zero of={data}/filler bs=4k 2>/dev/null
{PYTHON} demo > /dev/null; echo "demo exit $?" >&2
rm {data}/filler
{PYTHON} demo > /dev/null && echo "again ok" >&2
"""
    result = in_namespace(script, data)
    lines = result.stderr.splitlines()
    assert "demo exit 2" in lines and "again ok" in lines, result.stderr
    message = one_line("\n".join(line for line in lines if line not in ("demo exit 2", "again ok")))
    assert "Le disque de la base de données est plein" in message
    assert "rien n'a été enregistré" in message and "libérer de la place" in message


@needs_mount
def test_a_read_only_file_system_is_named(tmp_path: Path) -> None:
    data = tmp_path / "data"
    script = f"""
mount -t tmpfs -o size=8m tmpfs {data}
{PYTHON} demo > /dev/null || exit 10
{PYTHON} operators add julie.lambert --role admin --as ops.admin --reason test > /dev/null || exit 11
mount -o remount,ro {data}
{PYTHON} accounts block anne.peeters --as julie.lambert --reason test; echo "block exit $?" >&2
"""
    result = in_namespace(script, data)
    lines = result.stderr.splitlines()
    assert "block exit 2" in lines, result.stderr
    message = one_line("\n".join(line for line in lines if line != "block exit 2"))
    assert "La base de données est en lecture seule" in message and "rien n'a été enregistré" in message
    assert "monté en lecture seule" in message  # what the operator checks


@pytest.fixture
def nobody_folder() -> Iterator[Path]:
    """A folder the user nobody may reach (pytest's own tmp folders are root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="immo-nobody-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(not nobody_can_run_the_platform(ROOT),
                    reason="needs root to act as another user who can read the checkout")
def test_a_read_only_database_file_is_named(nobody_folder: Path) -> None:
    data = nobody_folder / "data"
    data.mkdir()
    os.chown(data, 65534, 65534)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    environ.update(IMMO_CONNECT_DATA_DIR=str(data), PYTHONPATH=str(ROOT), HOME=str(nobody_folder),
                   XDG_CONFIG_HOME=str(nobody_folder / "no-config"))
    as_nobody = [*AS_NOBODY, sys.executable, "-m", "immo_connect"]
    first = subprocess.run([*as_nobody, "demo"], capture_output=True, text=True, env=environ, cwd="/", timeout=180,
                           check=False)
    assert first.returncode == 0, first.stderr
    added = subprocess.run([*as_nobody, "operators", "add", "julie.lambert", "--role", "admin", "--as", "ops.admin",
                            "--reason", "test"], capture_output=True,
                           text=True, env=environ, cwd="/", timeout=120, check=False)
    assert added.returncode == 0, added.stderr
    (data / "immo-connect.sqlite3").chmod(0o400)
    blocked = subprocess.run([*as_nobody, "accounts", "block", "anne.peeters", "--as", "julie.lambert",
                              "--reason", "test"], capture_output=True, text=True,
                             env=environ, cwd="/", timeout=120, check=False)
    assert blocked.returncode == 2
    message = one_line(blocked.stderr)
    assert "La base de données est en lecture seule" in message and "propriétaire et leurs droits" in message


def test_other_database_errors_are_not_disguised() -> None:
    assert storage_error(peewee.IntegrityError("UNIQUE constraint failed: account.username")) is None
    assert storage_error(ValueError("database or disk is full")) is None  # not from the database
    full = storage_error(peewee.OperationalError("database or disk is full"))
    assert isinstance(full, StorageError) and full.code == "storage_full"


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs for this test (in the test process's own mount table), removed after."""
    if not can_mount():
        pytest.skip("needs root to mount a tmpfs")
    folder = tmp_path / "tmpfs"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


async def test_the_terminal_ui_says_the_database_is_read_only(
    tmpfs: Path, make_platform: Callable[..., Platform],
) -> None:
    platform = make_platform(f"sqlite:///{tmpfs / 'immo.sqlite3'}")
    manager = make_account("mgr")
    organisation = make_organisation(manager)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        sign_in(app, manager)
        platform.database.close()
        subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
        await app.push_screen(WalletScreen(organisation.id))
        await settle(pilot)
        shown = " ".join(str(n.message) for n in app._notifications) + app.export_screenshot()
        assert "lecture seule" in shown and "Une erreur s'est produite" not in shown, shown[:2000]
    subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=True)

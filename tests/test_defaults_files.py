"""Private files whatever the umask: the data folder is 0700 and every file the platform makes
in it 0600, with systemd's umask 022, in real processes on a real data folder."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from immo_connect.files import private_folder, write_file
from tests.support.topups import SANDBOX_ON

ROOT = Path(__file__).resolve().parents[1]

# Inside the platform's process, as the terminal UI does it for a user: an export and a voucher,
# and the database's WAL and shared-memory files while the connection is open.
DOCUMENTS = """
import os, stat
from immo_connect.accounts.models import Account
from immo_connect.organisations.models import Organisation
from immo_connect.platform import create_platform
from immo_connect.wallet.models import WalletTransaction

platform = create_platform()
anne = Account.get(Account.username == "anne.peeters")
peeters = Organisation.get(Organisation.enterprise_number == "0750000040")
tx = WalletTransaction.select().order_by(WalletTransaction.id).first()
print(platform.wallet.export_csv(anne, peeters.id))
print(platform.wallet.voucher_file(anne, tx.id))
database = platform.settings.database_url.removeprefix("sqlite:///")
for suffix in ("-wal", "-shm"):
    print("open", suffix, oct(stat.S_IMODE(os.stat(database + suffix).st_mode)))
"""


def with_umask(command: list[str], data_dir: Path, config: Path, *, umask: str = "022") -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    environ.update(IMMO_CONNECT_DATA_DIR=str(data_dir), IMMO_CONNECT_CONFIG=str(config), PYTHONPATH=str(ROOT))
    script = f'umask {umask}; exec "$@"'
    return subprocess.run(["sh", "-c", script, "sh", *command], capture_output=True, text=True, env=environ,
                          cwd=data_dir.parent, timeout=120, check=False)


def loose(data_dir: Path) -> list[str]:
    """Every folder or file that someone other than its owner may use, with its mode."""
    found = []
    for path in [data_dir, *data_dir.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            found.append(f"{path.relative_to(data_dir.parent)} {oct(mode)}")
    return found


def start_server_until_host_key(data_dir: Path, config: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    environ.update(IMMO_CONNECT_DATA_DIR=str(data_dir), IMMO_CONNECT_CONFIG=str(config), PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        ["sh", "-c", 'umask 022; exec "$@"', "sh", sys.executable, "-m", "immo_connect", "--lang", "en", "serve", "--listen",
         "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environ)
    try:
        assert process.stdout is not None
        for line in process.stdout:  # the server prints its address once the key is in place
            if line.startswith("Listening on "):
                break
        else:
            pytest.fail("the server did not start")
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_everything_in_the_data_folder_is_private_with_umask_022(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    config = tmp_path / "plugins.toml"
    config.write_text(SANDBOX_ON + '[ssh]\nlisten = "127.0.0.1:0"\n')
    python = [sys.executable, "-m", "immo_connect"]
    for command in (["demo"], ["worker", "--once"], ["mail"]):
        result = with_umask([*python, *command], data_dir, config)
        assert result.returncode == 0, result.stderr
    documents = with_umask([sys.executable, "-c", DOCUMENTS], data_dir, config)
    assert documents.returncode == 0, documents.stderr
    assert "open -wal 0o600" in documents.stdout and "open -shm 0o600" in documents.stdout
    start_server_until_host_key(data_dir, config)

    made = {str(p.relative_to(data_dir)) for p in data_dir.rglob("*") if p.is_file()}
    for expected in ("immo-connect.sqlite3", "secret.key", "immo-connect.log", "ssh_host_ed25519_key"):
        assert expected in made
    assert any(name.startswith("maildir/new/") for name in made)  # delivered mails
    assert any(name.startswith("exports/") and name.endswith(".csv") for name in made)
    assert any(name.startswith("exports/") and name.endswith(".pdf") for name in made)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert loose(data_dir) == []


def test_an_open_data_folder_left_by_an_earlier_version_is_closed(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    config = tmp_path / "plugins.toml"
    config.write_text("")
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    database = data_dir / "immo-connect.sqlite3"
    database.touch()
    database.chmod(0o644)
    result = with_umask([sys.executable, "-m", "immo_connect", "db", "upgrade"], data_dir, config)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


def test_files_for_people_are_private_even_in_a_process_with_an_open_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        folder = private_folder(tmp_path / "data")
        target = folder / "exports" / "anne" / "wallet.csv"
        stale = target.with_name("wallet.csv.part")
        write_file(target, lambda out: out.write(b"a;b\n"))
        stale.parent.mkdir(exist_ok=True)
        stale.write_bytes(b"")  # a half-written file of an earlier try, made with the open umask
        stale.chmod(0o644)
        write_file(target, lambda out: out.write(b"a;b\n"))
    finally:
        os.umask(previous)
    assert target.read_bytes() == b"a;b\n" and not stale.exists()
    assert loose(folder) == []


def test_the_cli_restricts_its_umask_before_anything_else(tmp_path: Path) -> None:
    code = ("import os, sys\nfrom immo_connect.cli import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "print(oct(os.umask(0)))")
    result = with_umask([sys.executable, "-c", code], tmp_path / "data", tmp_path / "none.toml")
    assert result.stdout.strip().splitlines()[-1] == "0o77", result.stderr

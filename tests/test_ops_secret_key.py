"""The platform key: one format in secret.key and in the environment, checked, copied with the CLI."""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import asyncssh
import pytest

from immo_connect.config import load_settings
from immo_connect.eid._numbers import decrypt_number, encrypt_number
from immo_connect.errors import ConfigurationError
from immo_connect.secret_key import KEY_FILE_NAME
from immo_connect.ssh.hostkey import load_or_create_host_key

ROOT = Path(__file__).resolve().parents[1]
NATIONAL_NUMBER = "85073003328"


def settings_for(data_dir: Path, config: Path | None = None, **env: str):  # type: ignore[no-untyped-def]
    return load_settings(config, environ={"IMMO_CONNECT_DATA_DIR": str(data_dir), **env}, database_url="sqlite://")


def cli(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    environ.update(IMMO_CONNECT_DATA_DIR=str(data_dir), XDG_CONFIG_HOME=str(data_dir / "xdg"), **env)
    return subprocess.run([sys.executable, "-m", "immo_connect", *args], capture_output=True, text=True,
                          env=environ, cwd=ROOT, timeout=60, check=False)


def test_a_new_key_file_is_64_hex_characters_readable_by_its_owner_only(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # the usual umask of services: new files would be 0644
    try:
        settings = settings_for(tmp_path / "data")
    finally:
        os.umask(previous)
    path = tmp_path / "data" / KEY_FILE_NAME
    assert path.read_text().strip() == settings.secret_key.hex()
    assert len(settings.secret_key) == 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert settings_for(tmp_path / "data").secret_key == settings.secret_key  # kept, not remade


def test_the_key_file_copied_into_the_environment_is_the_same_key(tmp_path: Path) -> None:
    first = settings_for(tmp_path / "machine-1")
    text = (tmp_path / "machine-1" / KEY_FILE_NAME).read_text()
    blob = encrypt_number(first.secret_key, 7, NATIONAL_NUMBER)
    config = tmp_path / "plugins.toml"
    config.write_text('[security]\nsecret_key = { env = "PLATFORM_KEY" }\n')
    through_config = settings_for(tmp_path / "machine-2", config, PLATFORM_KEY=text)
    through_variable = settings_for(tmp_path / "machine-3", IMMO_CONNECT_SECRET_KEY=text.strip())
    for other in (through_config, through_variable):
        assert other.secret_key == first.secret_key
        assert decrypt_number(other.secret_key, 7, blob) == NATIONAL_NUMBER
    assert not (tmp_path / "machine-3" / KEY_FILE_NAME).exists()  # the variable is used, no file made


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        ("abc", "secret_key_format", "3 characters instead of 64"),
        ("z" * 64, "secret_key_format", "other than 0-9 and a-f"),
        ("ab" * 33, "secret_key_format", "66 characters instead of 64"),
        ("", "secret_key_empty", "is empty"),
        ("   \n", "secret_key_empty", "is empty"),
    ],
)
def test_a_key_of_another_form_or_an_empty_one_is_refused(tmp_path: Path, value: str, code: str, words: str,
                                                           english: None) -> None:
    settings_for(tmp_path / "data")  # a valid secret.key exists: an empty variable must not fall back to it
    config = tmp_path / "plugins.toml"
    config.write_text('[security]\nsecret_key = { env = "PLATFORM_KEY" }\n')
    with pytest.raises(ConfigurationError) as through_config:
        settings_for(tmp_path / "data", config, PLATFORM_KEY=value)
    assert through_config.value.code == code and words in str(through_config.value)
    assert "PLATFORM_KEY" in str(through_config.value)
    with pytest.raises(ConfigurationError) as through_variable:
        settings_for(tmp_path / "data", IMMO_CONNECT_SECRET_KEY=value)
    assert through_variable.value.code == code and "IMMO_CONNECT_SECRET_KEY" in str(through_variable.value)
    if value.strip():
        (tmp_path / "data" / KEY_FILE_NAME).write_text(value)
        with pytest.raises(ConfigurationError) as in_file:
            settings_for(tmp_path / "data")
        assert in_file.value.code == code and KEY_FILE_NAME in str(in_file.value)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_file_other_users_can_read_is_refused_with_the_command_to_fix_it(tmp_path: Path, mode: int,
                                                                               english: None) -> None:
    settings_for(tmp_path / "data")
    path = tmp_path / "data" / KEY_FILE_NAME
    path.chmod(mode)
    with pytest.raises(ConfigurationError) as refused:
        settings_for(tmp_path / "data")
    assert refused.value.code == "private_file_permissions"
    assert refused.value.hint == f"Run: chmod 600 {path}"
    path.chmod(0o600)
    assert settings_for(tmp_path / "data").secret_key


@pytest.mark.parametrize("mode", [0o644, 0o640])
def test_a_host_key_other_users_can_read_is_refused_with_the_command_to_fix_it(tmp_path: Path, mode: int,
                                                                                english: None) -> None:
    path = tmp_path / "ssh_host_ed25519_key"
    _key, created = load_or_create_host_key(path)
    assert created and path.stat().st_mode & 0o777 == 0o600
    path.chmod(mode)
    with pytest.raises(ConfigurationError) as refused:
        load_or_create_host_key(path)
    assert refused.value.hint == f"Run: chmod 600 {path}"
    path.chmod(0o600)
    assert isinstance(load_or_create_host_key(path)[0], asyncssh.SSHKey)


def test_secret_show_copies_the_key_to_another_machine(tmp_path: Path) -> None:
    shown = cli("secret", "show", data_dir=tmp_path / "machine-1")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == (tmp_path / "machine-1" / KEY_FILE_NAME).read_text()
    fingerprints = [cli("secret", "fingerprint", data_dir=tmp_path / "machine-1"),
                    cli("secret", "fingerprint", data_dir=tmp_path / "machine-2",
                        IMMO_CONNECT_SECRET_KEY=shown.stdout.strip()),
                    cli("secret", "fingerprint", data_dir=tmp_path / "machine-3")]
    assert fingerprints[0].stdout == fingerprints[1].stdout != fingerprints[2].stdout
    assert fingerprints[0].stdout.startswith("key:") and shown.stdout.strip() not in fingerprints[0].stdout


def test_a_wrong_key_in_the_environment_gives_one_line_and_exit_2(tmp_path: Path) -> None:
    result = cli("secret", "fingerprint", data_dir=tmp_path, IMMO_CONNECT_SECRET_KEY="abc")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "IMMO_CONNECT_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def on_terminal(*args: str, data_dir: Path) -> tuple[int, str]:
    """Run the CLI with a pty as stdout; its exit status and everything it wrote."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    env["IMMO_CONNECT_DATA_DIR"] = str(data_dir)
    process = subprocess.Popen([sys.executable, "-m", "immo_connect", *args], stdin=slave, stdout=slave,
                               stderr=slave, env=env, cwd=ROOT)
    os.close(slave)
    output = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the pty closed: the process ended
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    return process.wait(timeout=30), output.decode()


def test_secret_show_does_not_print_the_key_on_a_terminal_unless_asked(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    status, output = on_terminal("secret", "show", data_dir=data_dir)
    assert status == 2
    assert "--on-terminal" in output and "secret show >" in output
    key = settings_for(data_dir).secret_key.hex()
    assert key not in output
    status, output = on_terminal("secret", "show", "--on-terminal", data_dir=data_dir)
    assert status == 0 and key in output


def test_the_documented_upgrade_of_a_raw_text_key_gives_the_same_key(tmp_path: Path) -> None:
    security = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    (command,) = re.findall(r"`(printf %s \"\$OLD_KEY\"[^`]*)`", security)
    old_text = "Zr8#q!Lm2@wX9$kP4&nB7*vC1^dF6(hJ"  # 32 characters, as an earlier configuration held
    converted = subprocess.run(["sh", "-c", command], env={"OLD_KEY": old_text, "PATH": "/usr/bin:/bin"},
                               capture_output=True, text=True, check=True).stdout
    config = tmp_path / "plugins.toml"
    config.write_text('[security]\nsecret_key = { env = "PLATFORM_KEY" }\n')
    assert settings_for(tmp_path / "data", config, PLATFORM_KEY=converted).secret_key == old_text.encode()

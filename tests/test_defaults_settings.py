"""Safe defaults: the sandbox is asked for and announced, every number is range-checked, a bad
configuration file gives one clear line, relative paths follow the configuration file."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import typing
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Label

from immo_connect import config as config_module
from immo_connect.config import load_settings
from immo_connect.config_schema import DEFAULT_RANGE, Range
from immo_connect.errors import ConfigurationError
from immo_connect.platform import Platform
from immo_connect.plugin_host import BUILTIN_PLUGINS, create_plugin_host
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.home import HomeScreen
from immo_connect.tui.screens.wallet.wallet import WalletScreen
from tests.support.factories import make_account, make_organisation
from tests.support.nobody import AS_NOBODY, nobody_can_run_the_platform
from tests.support.topups import SANDBOX_ON
from tests.support.tui import settle, sign_in

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Path, data_dir: Path, config: Path | None = None,
        stdin_pipe: str | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    environ.update(IMMO_CONNECT_DATA_DIR=str(data_dir), XDG_CONFIG_HOME=str(data_dir / "xdg"))
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environ.get("PYTHONPATH", "")]))
    if config is not None:
        environ["IMMO_CONNECT_CONFIG"] = str(config)
    return subprocess.run([sys.executable, "-m", "immo_connect", *args], capture_output=True, text=True,
                          env=environ, cwd=cwd, timeout=120, check=False)


# -- numbers ----------------------------------------------------------------------------------

def numeric_fields() -> list[tuple[str, str, Range]]:
    """Every number of the core sections with the range it is checked against."""
    found = []
    for section, schema in config_module._SECTIONS.items():
        hints = typing.get_type_hints(schema, include_extras=True)
        for field in dataclasses.fields(schema):
            hint = hints[field.name]
            extras = typing.get_args(hint)[1:] if typing.get_origin(hint) is typing.Annotated else ()
            base = typing.get_args(hint)[0] if extras else hint
            if base in (int, float):
                bounds = next((e for e in extras if isinstance(e, Range)), DEFAULT_RANGE)
                found.append((section, field.name, bounds))
    return found


@pytest.mark.parametrize(("section", "key", "bounds"), numeric_fields(), ids=str)
def test_every_core_number_is_checked_for_range(tmp_path: Path, section: str, key: str, bounds: Range) -> None:
    config = tmp_path / "plugins.toml"
    environ = {"IMMO_CONNECT_DATA_DIR": str(tmp_path / "data")}
    too_high = int(bounds.maximum) + 1 if bounds.maximum != float("inf") else None
    for bad in [bounds.minimum - 1, too_high]:
        if bad is None:
            continue
        value = int(bad) if float(bad).is_integer() else bad
        config.write_text(f"[{section}]\n{key} = {value}\n")
        with pytest.raises(ConfigurationError) as caught:
            load_settings(config, environ=environ)
        message = str(caught.value)
        assert f"[{section}] {key} = {value:g}" in message and "hors limites" in message, message
        assert f"{bounds.minimum:g}" in message
    good = int(bounds.minimum) if float(bounds.minimum).is_integer() else bounds.minimum
    config.write_text(f"[{section}]\n{key} = {good}\n")
    load_settings(config, environ=environ)  # the edge itself is allowed


@pytest.mark.parametrize(("text", "expected"), [
    ("[security]\nsession_idle_minutes = -5\n",
     "[security] session_idle_minutes = -5 est hors limites : valeurs permises de 1 à 1440."),
    ("[ssh]\nmax_sessions = 0\n", "[ssh] max_sessions = 0 est hors limites : valeurs permises de 1 à 100000."),
    ("[ssh]\nconnections_per_minute = -3\n", "[ssh] connections_per_minute = -3 est hors limites"),
    ("[mail]\nport = 70000\n", "[mail] port = 70000 est hors limites : valeurs permises de 1 à 65535."),
])
def test_the_reported_values_are_refused_with_setting_value_and_range(tmp_path: Path, text: str, expected: str) -> None:
    config = tmp_path / "plugins.toml"
    config.write_text(text)
    result = cli("db", "upgrade", cwd=tmp_path, data_dir=tmp_path / "data", config=config)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_plugin_numbers_are_checked_too(tmp_path: Path) -> None:
    for text, key in ((SANDBOX_ON + "expires_minutes = 0\n", "expires_minutes"),
                      ("[plugins.bank_transfer]\nprocessing_days = -1\n", "processing_days"),
                      ('[plugins.mollie]\ntimeout_seconds = 0\n', "timeout_seconds")):
        with pytest.raises(ConfigurationError) as caught:
            create_plugin_host({name: dict(_parse(text)[name]) for name in _parse(text)}, load_entrypoints=False,
                               environ={})
        assert key in str(caught.value) and "hors limites" in str(caught.value)
    host = create_plugin_host({"bank_transfer": {"processing_days": 0}}, load_entrypoints=False, environ={})
    assert host.config("bank_transfer").processing_days == 0  # a declared range may include zero


def _parse(text: str) -> dict[str, dict[str, object]]:
    import tomllib

    return tomllib.loads(text)["plugins"]  # type: ignore[no-any-return]


# -- the configuration file itself ----------------------------------------------------------

@pytest.mark.parametrize(("content", "expected"), [
    ("[platform]\nname = 'Caf\xe9'\n".encode("latin-1"), "ce n'est pas du texte UTF-8 (l'octet 0xe9 de la ligne 2"),
    (b"\xff\xfe[\x00p\x00", "ce n'est pas du texte UTF-8 (l'octet 0xff de la ligne 1"),
])
def test_a_non_utf8_configuration_gives_one_clear_line(tmp_path: Path, content: bytes, expected: str) -> None:
    config = tmp_path / "plugins.toml"
    config.write_bytes(content)
    for command in (["plugins"], ["db", "upgrade"]):
        result = cli(*command, cwd=tmp_path, data_dir=tmp_path / "data", config=config)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and str(config) in lines[0] and expected in lines[0], result.stderr
        assert "UTF-8" in lines[0].split(expected)[1]  # the fix: save it as UTF-8


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_configuration_gives_one_clear_line_as_a_user(tmp_path: Path) -> None:
    config = tmp_path / "plugins.toml"
    config.write_text("")
    config.chmod(0)
    result = cli("plugins", cwd=tmp_path, data_dir=tmp_path / "data", config=config)
    assert result.returncode == 2 and "lecture impossible" in result.stderr and "chmod" in result.stderr


def test_an_unreadable_configuration_gives_one_clear_line(tmp_path: Path) -> None:
    folder = tmp_path / "plugins.toml"
    folder.mkdir()  # what a wrong volume mount gives: a folder where the file should be
    result = cli("plugins", cwd=tmp_path, data_dir=tmp_path / "data", config=folder)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "c'est un dossier" in result.stderr and "IMMO_CONNECT_CONFIG" in result.stderr
    if nobody_can_run_the_platform(ROOT):  # root reads any file: ask as another user
        config = tmp_path / "private.toml"
        config.write_text("")
        config.chmod(0o600)
        environ = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
        environ.update(IMMO_CONNECT_CONFIG=str(config), IMMO_CONNECT_DATA_DIR=str(tmp_path / "nobody"),
                       PYTHONPATH=str(ROOT), HOME=str(tmp_path))
        tmp_path.chmod(0o755)
        result = subprocess.run(
            [*AS_NOBODY, sys.executable, "-m", "immo_connect", "plugins"], capture_output=True, text=True, env=environ, cwd="/", timeout=120, check=False)
        assert result.returncode == 2, result.stderr
        assert "lecture impossible" in result.stderr and "chmod" in result.stderr, result.stderr


# -- relative paths --------------------------------------------------------------------------

def test_relative_paths_are_read_from_the_configuration_folder(tmp_path: Path) -> None:
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    demo = cli("--config", str(ROOT / "plugins.toml"), "demo", cwd=elsewhere, data_dir=tmp_path / "data")
    assert demo.returncode == 0, demo.stderr
    # The demo users got their recognitions from the example registers, so their tools.
    result = subprocess.run(
        [sys.executable, "-c",
         "from immo_connect.platform import create_platform\n"
         "from immo_connect.recognitions.models import Recognition\n"
         f"p = create_platform(config={str(ROOT / 'plugins.toml')!r})\n"
         "print(Recognition.select().count())"],
        capture_output=True, text=True, cwd=elsewhere, timeout=120, check=False,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")},
             "IMMO_CONNECT_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 0
    settings = load_settings(ROOT / "plugins.toml", environ={"IMMO_CONNECT_DATA_DIR": str(tmp_path / "data")})
    assert settings.config_path is not None
    config = tmp_path / "conf" / "plugins.toml"
    config.parent.mkdir()
    config.write_text('[mail]\nmaildir = "mails"\n[plugins.notaries]\nregister = "registers/notaries.csv"\n')
    settings = load_settings(config, environ={"IMMO_CONNECT_DATA_DIR": str(tmp_path / "data")})
    assert settings.mail.maildir == tmp_path / "conf" / "mails"
    host = create_plugin_host(settings.plugin_tables, load_entrypoints=False, environ={},
                              base_dir=config_module.config_folder(settings))
    assert host.config("notaries").register == tmp_path / "conf" / "registers" / "notaries.csv"


# -- the sandbox ------------------------------------------------------------------------------

def test_only_the_sandbox_and_the_invoice_drop_wait_to_be_asked_for() -> None:
    host = create_plugin_host({}, load_entrypoints=False, environ={})
    states = {info.name: info.state for info in host.plugins()}
    assert states.pop("sandbox") == "disabled"
    assert states.pop("invoice_drop") == "disabled"  # it needs a folder
    assert set(states) == set(BUILTIN_PLUGINS) - {"sandbox", "invoice_drop"} and set(states.values()) == {"enabled"}
    assert "sandbox" not in {m.name for m in host.payment_methods()}


def test_the_cli_warns_on_stderr_when_the_sandbox_is_on(tmp_path: Path) -> None:
    config = tmp_path / "plugins.toml"
    config.write_text(SANDBOX_ON)
    on = cli("db", "status", cwd=tmp_path, data_dir=tmp_path / "data", config=config)
    assert on.returncode == 0, on.stderr
    assert "avertissement : Mode démo" in on.stderr and "sans argent réel" in on.stderr
    assert "démo" not in on.stdout  # scripts reading stdout see nothing new
    listing = cli("plugins", cwd=tmp_path, data_dir=tmp_path / "data", config=config)
    assert "Mode démo" in listing.stderr
    config.write_text("")
    off = cli("db", "status", cwd=tmp_path, data_dir=tmp_path / "data", config=config)
    assert off.returncode == 0 and "démo" not in off.stderr


def test_the_repository_configuration_is_the_demo_and_says_so(tmp_path: Path) -> None:
    settings = load_settings(ROOT / "plugins.toml", environ={"IMMO_CONNECT_DATA_DIR": str(tmp_path / "data")})
    assert settings.sandbox_enabled
    makefile = (ROOT / "Makefile").read_text()
    assert "IMMO_CONNECT_CONFIG=$${IMMO_CONNECT_CONFIG:-plugins.toml} $(BIN)/immo-connect run" in makefile


@pytest.fixture
def sandbox_platform(make_platform: Callable[..., Platform]) -> Platform:
    return make_platform(config_text=SANDBOX_ON)


def demo_label(app: ImmoConnectApp) -> str | None:
    found = app.screen.query("#demo-mode")
    return str(found.first(Label).render()) if found else None


async def test_every_screen_says_demo_mode_when_the_sandbox_is_on(sandbox_platform: Platform) -> None:
    manager = make_account("mgr")
    organisation = make_organisation(manager)
    app = ImmoConnectApp(sandbox_platform)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "mode démo" in (demo_label(app) or "")  # the sign-in screen already
        sign_in(app, manager)
        for screen in (HomeScreen(), WalletScreen(organisation_id=organisation.id)):
            await app.push_screen(screen)
            await settle(pilot)
            assert "mode démo" in (demo_label(app) or ""), type(screen).__name__


async def test_no_demo_banner_by_default(platform: Platform) -> None:
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert demo_label(app) is None


# -- command-line exits -----------------------------------------------------------------------

@pytest.mark.parametrize("command", ["mail", "audit --as ops.admin"])
def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path: Path, command: str) -> None:
    data_dir = tmp_path / "data"
    assert cli("demo", cwd=tmp_path, data_dir=data_dir).returncode == 0
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    environ.update(IMMO_CONNECT_DATA_DIR=str(data_dir), XDG_CONFIG_HOME=str(tmp_path / "xdg"), PYTHONPATH=str(ROOT))
    # `head -1` closes the pipe after one line, as in `immo-connect mail | head -1`; whether the
    # command is still writing then depends on timing, so both endings must be quiet.
    pipeline = f"{sys.executable} -m immo_connect {command} | head -1; echo \"status=${{PIPESTATUS[0]}}\""
    result = subprocess.run(["bash", "-c", pipeline], capture_output=True, text=True, env=environ, cwd=tmp_path,
                            timeout=120, check=False)
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[1] in ("status=141", "status=0"), result.stdout + result.stderr
    assert result.stderr == "", result.stderr  # no « unexpected error », no "Exception ignored"
    # The reader already gone before the first line: the write fails for certain.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        gone = subprocess.run([sys.executable, "-m", "immo_connect", *command.split()], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, env=environ, cwd=tmp_path, timeout=120, check=False)
    finally:
        os.close(write_end)
    assert (gone.returncode, gone.stderr) == (141, "")
    log = data_dir / "immo-connect.log"
    assert "BrokenPipeError" not in (log.read_text() if log.exists() else "")


def test_plugins_exits_non_zero_when_a_plugin_failed(tmp_path: Path) -> None:
    # A vendor plugin whose module cannot be imported, installed the way vendors install.
    site = tmp_path / "site"
    dist = site / "brokenvendor-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: brokenvendor\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[immo_connect]\nbrokenvendor = brokenvendor_missing_module\n")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IMMO_CONNECT_")}
    environ.update(IMMO_CONNECT_DATA_DIR=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "xdg"),
                   PYTHONPATH=os.pathsep.join([str(site), str(ROOT)]))
    result = subprocess.run([sys.executable, "-m", "immo_connect", "plugins"], capture_output=True, text=True,
                            env=environ, cwd=tmp_path, timeout=120, check=False)
    assert result.returncode == 3, result.stderr
    assert "brokenvendor" in result.stdout and "échec du chargement" in result.stdout
    assert "1 plugin n'a pas pu être chargé : brokenvendor." in result.stderr
    healthy = cli("plugins", cwd=tmp_path, data_dir=tmp_path / "data")
    assert healthy.returncode == 0, healthy.stderr


def test_the_documented_production_start_loads_without_the_sandbox(tmp_path: Path) -> None:
    document = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    section = document.split("## Defaults and files", 1)[1]
    block = section.split("```toml\n", 1)[1].split("```", 1)[0]
    etc = tmp_path / "etc" / "immo-connect"
    etc.mkdir(parents=True)
    (etc / "plugins.toml").write_text(block)
    environ = {"IMMO_CONNECT_DATA_DIR": str(tmp_path / "data"), "MOLLIE_API_KEY": "test_abcdefghijklmnopqrstuvwxyz0123"}
    settings = load_settings(etc / "plugins.toml", environ=environ)
    assert not settings.sandbox_enabled
    host = create_plugin_host(settings.plugin_tables, load_entrypoints=False, environ=environ,
                              base_dir=config_module.config_folder(settings))
    assert host.config("biv_ipi").register == etc / "registers" / "biv_ipi.csv"  # beside the file, as documented
    assert {m.name for m in host.payment_methods()} == {"mollie", "bank_transfer"}

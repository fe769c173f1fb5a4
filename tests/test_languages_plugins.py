"""Plugins translate themselves: their own catalogues, found through a hook, used for each
person's language; docs/plugins.md's example works as written."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from immo_connect import i18n
from immo_connect.plugin_host import create_plugin_host
from tests.support.docs import block_with

VENDOR = Path(__file__).parent / "data" / "vendor_tool" / "src"


@pytest.fixture
def clean_catalogs() -> Iterator[None]:
    before = list(i18n._plugin_catalogs)
    yield
    i18n._plugin_catalogs[:] = before
    i18n.catalog.cache_clear()


def test_the_vendor_tool_ships_its_texts_in_the_three_languages(
        clean_catalogs: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(VENDOR))
    plugin = importlib.import_module("immo_vendor_pebcheck")
    create_plugin_host(load_entrypoints=False, extra_plugins={"pebcheck": plugin})
    mode = plugin.TOOL.modes[0]
    with i18n.using("nl"):
        assert i18n.gettext(mode.title) == "Als vastgoedmakelaar"
        assert i18n.gettext(plugin.TOOL.prices[0].title) == "Opzoeking van een EPC-attest"
        assert i18n.gettext("User") == "Gebruiker"  # the platform's own words stay
    with i18n.using("fr"):
        assert i18n.gettext(mode.title) == "En tant qu'agent immobilier"
    with i18n.using("en"):
        assert i18n.gettext(mode.title) == "As a real-estate agent"
    sys.modules.pop("immo_vendor_pebcheck", None)


def test_the_documented_plugin_catalogue_works_as_written(tmp_path: Path, clean_catalogs: None,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for marker in ("# src/immo_vendor_energy/__init__.py", "# src/immo_vendor_energy/locale/nl/"):
        block = block_with("plugins.md", marker)
        first, _, body = block.partition("\n")
        target = tmp_path / first.removeprefix("# ").strip()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    plugin = importlib.import_module("immo_vendor_energy")
    host = create_plugin_host(load_entrypoints=False, extra_plugins={"energy": plugin})
    assert {p.name: p.state for p in host.plugins()}["energy"] == "enabled"
    with i18n.using("nl"):
        assert i18n.gettext(plugin.TITLE) == "Energiecontrole van een pand"
    sys.modules.pop("immo_vendor_energy", None)

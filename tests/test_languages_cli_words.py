"""The command line's reports in the reader's language: the demo's summary, the schema
migrations applied, the ledger check's problems, and the codes of kinds and statuses told as
words (the same words as the screens)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from immo_connect import demo, i18n
from immo_connect.cli import main
from immo_connect.operators import words as operator_words
from immo_connect.payments import texts as payment_texts
from immo_connect.platform import Platform
from immo_connect.storage import database
from immo_connect.wallet import invariants
from tests.support.tools import MakePlatform, registers_config
from tests.test_languages_cli_help import foreign_words

# What a report names as it is: people, organisations, tools, recognitions, commands, files.
NAMES = re.compile(r"[\w.-]+\.(peeters|dubois|janssens|maes|lambert|admin|help|anne|bert)\b|jdupont|ipi\.\w+|"
                   r"Immo Peeters|Dubois & Fils|CadastreFinder|Anti-Blanchiment|CIBweb|MyRent Pro|COVAST|"
                   r"immo-connect \w+|plugins\.toml|demo-immo-2026|\+\+\+[\d/]+\+\+\+")


@pytest.fixture
def demo_platform(make_platform: MakePlatform) -> Platform:
    return make_platform(config_text=registers_config())


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_demo_report_is_in_the_readers_language(demo_platform: Platform, language: str) -> None:
    with i18n.using(language):
        report = "\n".join(demo.create(demo_platform))
    assert foreign_words(NAMES.sub(" ", report), language, set()) == [], report
    if language == "nl":
        assert "Organisatie Immo Peeters (0750000040): anne.peeters (beheerder), marc.dubois (actief)" in report
        assert "Operators: hugo.help (helpdesk), fin.anne (financiën)" in report
        assert "Toepassingen: CadastreFinder (Als vastgoedmakelaar) geregistreerd voor Immo Peeters door anne.peeters." \
            in report
        assert report.endswith("De demogegevens zijn klaar. De demoaccounts gebruiken het wachtwoord: demo-immo-2026")


def test_db_upgrade_names_each_migration_in_the_readers_language(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("IMMO_CONNECT_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "plugins.toml").touch()
    assert main(["--config", str(tmp_path / "plugins.toml"), "--lang", "nl", "db", "upgrade"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "toegepast: immo_connect.audit:1 (auditlogboek)" in lines
    assert "toegepast: immo_connect.wallet.models:6 (de gebruiksmodus van elke aanrekening van een toepassing)" in lines
    assert lines[-1] == "Het databaseschema is bijgewerkt."
    described = " ".join(line.partition("(")[2] for line in lines if line.startswith("toegepast:"))
    assert foreign_words(described, "nl", set()) == []


def test_the_ledger_checks_problems_are_told_in_the_readers_language(demo_platform: Platform) -> None:
    with i18n.using("fr"):
        demo.create(demo_platform)
    db = database.obj
    with pytest.raises(RuntimeError), db.atomic():  # rolled back
        db.execute_sql("UPDATE wallet SET balance = 5 WHERE id = 1")
        with i18n.using("nl"):
            dutch = invariants.verify()
        with i18n.using("fr"):
            french = invariants.verify()
        raise RuntimeError("undo")
    assert any(re.fullmatch(r"wallet 1: saldo 5 maar de boekingen tellen op tot \d+", line) for line in dutch), dutch
    assert any(re.fullmatch(r"Wallet 1 : solde 5 mais les écritures totalisent \d+", line) for line in french), french


@pytest.mark.parametrize(("word", "code", "dutch"), [
    (payment_texts.status_text, "paid", "✓ Betaald"),
    (payment_texts.reversal_kind_word, "chargeback", "terugvordering"),
    (payment_texts.reversal_status_word, "charged_back", "geld teruggevorderd"),
    (operator_words.request_kind_word, "card_refund", "terugbetaling op de kaart"),
    (operator_words.request_status_word, "pending", "wacht op goedkeuring"),
    (operator_words.role_word, "finance", "financiën"),
])
def test_codes_are_told_as_words(word, code: str, dutch: str) -> None:  # type: ignore[no-untyped-def]
    with i18n.using("nl"):
        assert word(code) == dutch
    assert word("unknown_code").endswith("unknown_code")  # a code of a newer version stays readable


def test_the_command_lines_lists_show_words_not_codes(
        demo_platform: Platform, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The operators' and plugins' lists: in Dutch, no code left in English."""
    with i18n.using("fr"):
        demo.create(demo_platform)
    config = demo_platform.settings.config_path
    url = demo_platform.settings.database_url
    common = ["--lang", "nl", *(["--config", str(config)] if config else []), "--database-url", url]
    monkeypatch.setenv("IMMO_CONNECT_DATA_DIR", str(demo_platform.settings.data_dir))
    for command in (["operators", "list", "--as", "ops.admin"], ["plugins"]):
        main([*common, *command])
    out = capsys.readouterr().out
    for code in ("finance", "admin", "enabled", "built-in"):  # a column of its own, not a config key
        assert not re.search(rf"  {code}(  |$)", out, re.M), (code, out)
    for word in ("financiën", "ingeschakeld", "ingebouwd"):
        assert word in out


def test_the_audit_logs_outcomes_are_words(
        demo_platform: Platform, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    with i18n.using("fr"):
        demo.create(demo_platform)
    config = demo_platform.settings.config_path
    monkeypatch.setenv("IMMO_CONNECT_DATA_DIR", str(demo_platform.settings.data_dir))
    main(["--lang", "nl", *(["--config", str(config)] if config else []), "--database-url",
          demo_platform.settings.database_url, "audit", "--as", "ops.admin", "--limit", "5"])
    out = capsys.readouterr().out
    assert "  geslaagd  " in out and "success" not in out, out

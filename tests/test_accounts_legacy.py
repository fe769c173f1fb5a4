"""Importing the earlier tools' accounts: formats, merging by e-mail, idempotence, the report,
and the first sign-in that replaces the old hash with Argon2id."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import bcrypt
import pytest

from immo_connect import audit
from immo_connect.accounts.models import Account, LegacyCredential, LegacyLink
from immo_connect.accounts.required import ADD_EMAIL
from immo_connect.cli import main
from immo_connect.errors import ImmoConnectError, ValidationError
from immo_connect.platform import Platform
from tests.support.accounts import last_code
from tests.support.factories import make_account
from tests.support.operators import make_operator

OLD = "ancien secret 42"


def bcrypt_hash(password: str = OLD) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


def pbkdf2_hash(password: str = OLD) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), b"selmarin", 1000)
    return f"pbkdf2_sha256$1000$selmarin${base64.b64encode(digest).decode()}"


def sha256_hash(password: str = OLD) -> str:
    return "sha256$poivre$" + hashlib.sha256(b"poivre" + password.encode()).hexdigest()


def write_csv(path: Path, rows: list[str], header: str = "username,email,first_name,last_name,password_hash") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_import_creates_merges_and_reports(platform: Platform, tmp_path: Path) -> None:
    make_account("anne.peeters", email="anne@example.be", password="mot actuel 2026")
    csv = write_csv(tmp_path / "cibweb.csv", [
        f"jdupont,jean@example.be,Jean,Dupont,{bcrypt_hash()}",
        f"mmartin,,Marie,Martin,{pbkdf2_hash()}",
        f"apeeters,Anne@Example.be,Anne,Peeters,{sha256_hash()}",
        "bad,not-an-email,Bad,Row,sha256$x$" + "0" * 64,
        "nohash,nohash@example.be,No,Hash,md5$abc",
        f"noname,noname@example.be,,Name,{sha256_hash()}",
        "",
    ])
    report = platform.accounts.import_legacy(csv, "CIBweb")
    assert (report.created, report.merged, report.unchanged) == (2, 1, 0)
    assert [(r.line, r.username) for r in report.rejected] == [(5, "bad"), (6, "nohash"), (7, "noname")]
    assert all(r.reason for r in report.rejected)
    assert "empreinte de mot de passe non prise en charge" in report.rejected[1].reason
    jean = Account.get(Account.username == "jdupont")
    assert (jean.status, jean.password_hash) == ("active", None)
    assert LegacyCredential.get(LegacyCredential.account == jean.id).tool == "cibweb"
    anne = Account.get(Account.username == "anne.peeters")  # merged by e-mail, password kept
    assert LegacyLink.get(LegacyLink.legacy_username == "apeeters").account_id == anne.id
    assert not LegacyCredential.select().where(LegacyCredential.account == anne.id).exists()
    assert Account.get(Account.username == "mmartin").email is None
    lines = report.lines()
    assert "CIBweb" in lines[0] and len(lines) == 4


def test_running_twice_changes_nothing(any_platform: Platform, tmp_path: Path) -> None:
    csv = write_csv(tmp_path / "btv.csv", [f"jdupont,jean@example.be,Jean,Dupont,{bcrypt_hash()}",
                                           f"mmartin,,Marie,Martin,{pbkdf2_hash()}"])
    first = any_platform.accounts.import_legacy(csv, "btv")
    accounts = [(a.id, a.username, a.email) for a in Account.select().order_by(Account.id)]
    credentials = LegacyCredential.select().count()
    second = any_platform.accounts.import_legacy(csv, "btv")
    assert (first.created, second.created, second.unchanged) == (2, 0, 2)
    assert [(a.id, a.username, a.email) for a in Account.select().order_by(Account.id)] == accounts
    assert LegacyCredential.select().count() == credentials


def test_one_person_in_two_tools_is_one_account_accepting_either_old_password(platform: Platform, tmp_path: Path) -> None:
    platform.accounts.import_legacy(write_csv(tmp_path / "a.csv", [
        f"jdupont,jean@example.be,Jean,Dupont,{bcrypt_hash('secret de bizmart 1')}"]), "bizmart")
    platform.accounts.import_legacy(write_csv(tmp_path / "b.csv", [
        f"jean.d,jean@example.be,Jean,Dupont,{sha256_hash('secret de romi 2')}"]), "ROMi")
    assert Account.select().count() == 1
    assert LegacyCredential.select().count() == 2
    signed = platform.accounts.sign_in("jean@example.be", "secret de romi 2")
    jean = Account.get(Account.username == "jdupont")
    assert signed.account_id == jean.id
    assert jean.password_hash.startswith("$argon2id$")  # rehashed at the first sign-in
    assert LegacyCredential.select().count() == 0
    with pytest.raises(ImmoConnectError):
        platform.accounts.sign_in("jdupont", "secret de bizmart 1")  # the old hashes are gone
    assert next(audit.query(audit.AuditFilter(action="account.password_rehashed"))).detail == '{"from": "legacy"}'


def test_account_without_email_must_add_and_activate_one_first(platform: Platform, tmp_path: Path) -> None:
    platform.accounts.import_legacy(write_csv(tmp_path / "c.csv", [f"mmartin,,Marie,Martin,{pbkdf2_hash()}"]), "covast")
    signed = platform.accounts.sign_in("mmartin", OLD)
    assert signed.next_action == ADD_EMAIL and signed.restricted
    with pytest.raises(ImmoConnectError):
        platform.accounts.current(signed.token)
    assert platform.accounts.add_missing_email(signed.token, "marie@example.be") == "m…e@example.be"
    assert Account.get(Account.username == "mmartin").email is None  # not before the code
    active = platform.accounts.activate(signed.token, last_code("marie@example.be"))
    assert active.required_actions == ("link_eid",)
    assert platform.accounts.current(active.token).email == "marie@example.be"


def test_username_of_another_person_is_rejected(platform: Platform, tmp_path: Path) -> None:
    make_account("jdupont", email="autre@example.be")
    report = platform.accounts.import_legacy(
        write_csv(tmp_path / "d.csv", [f"jdupont,jean@example.be,Jean,Dupont,{bcrypt_hash()}"]), "romi")
    assert report.created == 0 and len(report.rejected) == 1
    assert Account.select().count() == 1


@pytest.mark.parametrize(("content", "tool", "code"), [
    ("username,first_name\nx,y\n", "btv", "csv_header"),
    ("username,e-mail,first_name,last_name,password_hash\n", "btv", "csv_header"),
    ("username,first_name,last_name,password_hash\n", "photoshop", "unknown_tool"),
])
def test_bad_files_and_tools_are_refused_whole(platform: Platform, tmp_path: Path, content: str, tool: str, code: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(content)
    with pytest.raises(ValidationError) as caught:
        platform.accounts.import_legacy(path, tool)
    assert caught.value.code == code


def test_semicolon_files_from_spreadsheets(platform: Platform, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("\ufeffusername;email;first_name;last_name;password_hash;language\n"
                    f"jdupont;jean@example.be;Jean;Dupont;{sha256_hash()};nl\n", encoding="utf-8")
    report = platform.accounts.import_legacy(path, "MyRent Pro")
    assert report.created == 1
    assert Account.get(Account.username == "jdupont").language == "nl"


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMMO_CONNECT_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "plugins.toml").write_text("")
    csv = write_csv(tmp_path / "cad.csv", [f"jdupont,jean@example.be,Jean,Dupont,{bcrypt_hash()}",
                                           "bad,,,,nothing"])
    args = ["--config", str(tmp_path / "plugins.toml"), "--database-url", f"sqlite:///{tmp_path / 'db.sqlite3'}"]
    assert main([*args, "import-legacy", str(csv), "--tool", "cadastrefinder"]) == 3
    out = capsys.readouterr().out
    assert "1" in out and "line 3" in out.replace("ligne", "line")
    assert main([*args, "import-legacy", str(tmp_path / "absent.csv"), "--tool", "btv"]) == 2
    make_operator("help.desk", "helpdesk")
    acting = ["--as", "help.desk", "--reason", "ticket 7"]
    assert main([*args, "accounts", "block", "jdupont", *acting]) == 0
    assert main([*args, "accounts", "unblock", "jdupont", *acting]) == 0
    assert main([*args, "accounts", "unlock", "jdupont", *acting]) == 0
    assert main([*args, "accounts", "delete", "personne", *acting]) == 2
    assert main([*args, "accounts", "delete", "jdupont", *acting]) == 2  # deleting needs an admin


def test_a_huge_field_is_one_rejected_row_naming_its_line_and_field(platform: Platform, tmp_path: Path) -> None:
    huge = "x" * (128 * 1024)
    path = write_csv(tmp_path / "huge.csv", [
        f"jdupont,jean@example.be,Jean,Dupont,{sha256_hash()}",
        f"mmartin,,{huge},Martin,{sha256_hash()}",
        f"bigger,,Big,Row,{'y' * (2 * 1024 * 1024)}",  # beyond what is parsed at all
        f"apeeters,anne@example.be,Anne,Peeters,{sha256_hash()}",
    ])
    report = platform.accounts.import_legacy(path, "btv")
    assert report.created == 2  # the rows around them are imported
    assert [(r.line, r.username) for r in report.rejected] == [(3, "mmartin"), (4, "")]
    assert "le champ first_name est trop long (131072 caractères ; au plus 1024)" in report.rejected[0].reason
    assert "ne peut pas être lue comme du CSV" in report.rejected[1].reason
    assert all(len(line) < 400 for line in report.lines())  # the value itself is never echoed


def test_a_file_that_is_not_utf8_names_the_line_and_imports_nothing(platform: Platform, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"username,first_name,last_name,password_hash\n"
                     + f"jdupont,Jean,Dupont,{sha256_hash()}\n".encode()
                     + f"fkoenig,Françoise,König,{sha256_hash()}\n".encode("latin-1"))
    with pytest.raises(ValidationError) as caught:
        platform.accounts.import_legacy(path, "btv")
    assert caught.value.code == "encoding" and "(ligne 3)" in str(caught.value)
    assert Account.select().count() == 0


def test_two_people_with_one_login_are_a_conflict_not_a_re_import(platform: Platform, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "first.csv", [f"jdupont,jean@example.be,Jean,Dupont,{sha256_hash()}",
                                               f"mmartin,,Marie,Martin,{pbkdf2_hash()}"])
    platform.accounts.import_legacy(first, "cibweb")
    again = platform.accounts.import_legacy(first, "cibweb")  # the same file: a real re-import
    assert (again.unchanged, again.conflicts, again.rejected) == (2, [], [])
    other = write_csv(tmp_path / "other.csv", [
        f"jdupont,jacques@example.be,Jacques,Durand,{bcrypt_hash('autre')}",  # another person, another address
        f"mmartin,,Michel,Mertens,{bcrypt_hash('autre')}",  # another person, no address
        f"mmartin,,marie,MARTIN,{bcrypt_hash('nouveau')}",  # Marie again, names typed differently
    ])
    report = platform.accounts.import_legacy(other, "cibweb")
    assert report.unchanged == 1 and report.rejected == []
    assert [(c.line, c.username) for c in report.conflicts] == [(2, "jdupont"), (3, "mmartin")]
    assert all("conflit" in c.reason and "déjà été importé pour une autre personne" in c.reason
               for c in report.conflicts)
    assert "en conflit : 2" in report.lines()[0] and "déjà importés : 1" in report.lines()[0]
    assert Account.select().count() == 2  # nothing changed
    assert Account.get(Account.username == "jdupont").first_name == "Jean"


def test_command_line_exits_3_on_conflicts(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMMO_CONNECT_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "plugins.toml").write_text("")
    args = ["--config", str(tmp_path / "plugins.toml"), "--database-url", f"sqlite:///{tmp_path / 'db.sqlite3'}"]
    csv = write_csv(tmp_path / "two.csv", [f"jdupont,jean@example.be,Jean,Dupont,{sha256_hash()}",
                                           f"jdupont,jacques@example.be,Jacques,Durand,{sha256_hash()}"])
    assert main([*args, "import-legacy", str(csv), "--tool", "btv"]) == 3
    out = capsys.readouterr().out
    assert "en conflit : 1" in out and "ligne 3 (jdupont) : conflit" in out

"""The money desk's screens import statement files only from ``[operators] import_folder``:
off by default, never a path that leaves the folder (``..``, absolute elsewhere, a link)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from immo_connect.audit import AuditEvent
from immo_connect.bank.models import StatementImport
from immo_connect.errors import ValidationError
from immo_connect.platform import Platform
from tests.support import statements
from tests.support.operators import make_operator

_serial = itertools.count(1)
FOLDER_CONFIG = '[operators]\nimport_folder = "statements"\n'


def _statement(path: Path, sequence: int = 5) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(statements.coda([statements.Move(f"FOLD{sequence:04d}", 25_00, free="no communication")],
                                    sequence=sequence), newline="")
    return path


def _refused(platform: Platform, name: str) -> ValidationError:
    finance = make_operator(f"fin{next(_serial)}", "finance")
    with pytest.raises(ValidationError) as refused:
        platform.operators.money.import_from_folder(finance, name, "daily statement")
    assert StatementImport.select().count() == 0
    assert not AuditEvent.select().where((AuditEvent.action == "operator.bank_imported")
                                         & (AuditEvent.outcome == "success")).exists()
    return refused.value


def test_without_the_setting_the_screens_import_nothing(make_platform: Callable[..., Platform],
                                                        tmp_path: Path) -> None:
    platform = make_platform()
    assert platform.settings.operators.import_folder is None
    statement = _statement(tmp_path / "march.cod")
    error = _refused(platform, str(statement))
    assert error.code == "import_folder_off"
    assert "[operators] import_folder" in error.hint


def test_a_file_of_the_folder_is_imported_under_the_operator(make_platform: Callable[..., Platform],
                                                             tmp_path: Path) -> None:
    platform = make_platform(config_text=FOLDER_CONFIG)
    assert platform.settings.operators.import_folder == tmp_path / "statements"  # beside the config file
    _statement(tmp_path / "statements" / "march.cod")
    finance = make_operator("fin.anne", "finance")
    report = platform.operators.money.import_from_folder(finance, " march.cod ", "daily statement")
    assert report.filename == "march.cod"
    assert StatementImport.get().operator == "fin.anne"
    event = AuditEvent.get(AuditEvent.action == "operator.bank_imported")
    assert event.actor == "fin.anne" and "daily statement" in event.detail


def test_a_sub_folder_and_the_folder_typed_in_full_are_inside(make_platform: Callable[..., Platform],
                                                              tmp_path: Path) -> None:
    platform = make_platform(config_text=FOLDER_CONFIG)
    _statement(tmp_path / "statements" / "2026" / "march.cod", sequence=5)
    _statement(tmp_path / "statements" / "april.cod", sequence=6)
    finance = make_operator("fin.anne", "finance")
    money = platform.operators.money
    assert money.import_from_folder(finance, "2026/march.cod", "daily").filename == "2026/march.cod"
    assert money.import_from_folder(finance, str(tmp_path / "statements" / "april.cod"), "daily").filename == "april.cod"
    assert StatementImport.select().count() == 2


@pytest.mark.parametrize("typed", ["../secret.cod", "2026/../../secret.cod", "./../secret.cod", "SECRET", ""])
def test_a_path_that_leaves_the_folder_is_refused(make_platform: Callable[..., Platform], tmp_path: Path,
                                                  typed: str) -> None:
    platform = make_platform(config_text=FOLDER_CONFIG)
    (tmp_path / "statements" / "2026").mkdir(parents=True)
    secret = _statement(tmp_path / "secret.cod")
    error = _refused(platform, str(secret) if typed == "SECRET" else typed)
    assert error.code in ("statement_outside_folder", "statement_name_missing")
    assert error.field == "path"


def test_an_attempt_to_read_elsewhere_is_audited(make_platform: Callable[..., Platform], tmp_path: Path) -> None:
    platform = make_platform(config_text=FOLDER_CONFIG)
    (tmp_path / "statements").mkdir()
    finance = make_operator("fin.anne", "finance")
    with pytest.raises(ValidationError):
        platform.operators.money.import_from_folder(finance, "../../etc/passwd", "ticket 9")
    with pytest.raises(ValidationError):  # a file simply not there is not an attempt
        platform.operators.money.import_from_folder(finance, "missing.cod", "ticket 9")
    refused = list(AuditEvent.select().where((AuditEvent.action == "operator.bank_imported")
                                             & (AuditEvent.outcome == "refused")))
    assert [(event.actor, event.target) for event in refused] == [("fin.anne", "../../etc/passwd")]
    assert "statement_outside_folder" in refused[0].detail and "ticket 9" in refused[0].detail


def test_a_link_is_never_followed(make_platform: Callable[..., Platform], tmp_path: Path) -> None:
    platform = make_platform(config_text=FOLDER_CONFIG)
    folder = tmp_path / "statements"
    secret = _statement(tmp_path / "elsewhere" / "secret.cod")
    folder.mkdir()
    (folder / "march.cod").symlink_to(secret)
    (folder / "elsewhere").symlink_to(secret.parent, target_is_directory=True)
    assert _refused(platform, "march.cod").code == "statement_link"
    assert _refused(platform, "elsewhere/secret.cod").code == "statement_link"


def test_only_a_regular_file_is_read(make_platform: Callable[..., Platform], tmp_path: Path) -> None:
    platform = make_platform(config_text=FOLDER_CONFIG)
    folder = tmp_path / "statements"
    (folder / "2026").mkdir(parents=True)
    os.mkfifo(folder / "pipe.cod")  # reading it would wait for ever
    assert _refused(platform, "pipe.cod").code == "statement_not_a_file"
    assert _refused(platform, "2026").code == "statement_not_a_file"
    assert _refused(platform, "missing.cod").code == "statement_missing"


def test_a_folder_that_is_not_there_names_the_setting(make_platform: Callable[..., Platform]) -> None:
    platform = make_platform(config_text='[operators]\nimport_folder = "/nonexistent/statements"\n')
    error = _refused(platform, "march.cod")
    assert error.code == "import_folder_missing" and "[operators] import_folder" in error.hint


def test_the_operator_is_checked_before_the_folder(make_platform: Callable[..., Platform]) -> None:
    from immo_connect.errors import PermissionDenied

    platform = make_platform()
    helpdesk = make_operator("hugo.help", "helpdesk")
    with pytest.raises(PermissionDenied):
        platform.operators.money.import_from_folder(helpdesk, "march.cod", "daily statement")


def test_the_command_line_still_reads_the_file_it_is_given(make_platform: Callable[..., Platform],
                                                            tmp_path: Path) -> None:
    platform = make_platform()  # no import folder: scripts on the server are not concerned
    statement = _statement(tmp_path / "anywhere" / "march.cod")
    report = platform.operators.money.import_file(make_operator("fin.anne", "finance"), statement, "daily")
    assert report.filename == "march.cod" and StatementImport.select().count() == 1

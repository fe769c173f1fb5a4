"""The history: filters, keyset pagination, CSV export for Excel, PDF vouchers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.strategies as st
import pytest

from immo_connect import audit
from immo_connect.clock import FrozenClock
from immo_connect.errors import ImmoConnectError, PermissionDenied, ValidationError
from immo_connect.i18n import _
from immo_connect.platform import Platform
from immo_connect.storage import database
from immo_connect.wallet._views import TransactionFilter, conditions, to_local
from immo_connect.wallet.export import _Labels, _Lines, cents, local_hour, quoted
from immo_connect.wallet.shown import by_text
from immo_connect.wallet.texts import REASON_LABELS, kind_label, status_label
from tests.support.wallet import Scene, make_scene

START = dt.datetime(2026, 3, 27, 10, 0)  # winter time in Belgium (UTC+1) until 29 March


@pytest.fixture
def history(make_platform: Callable[..., Platform], database_url: str, clock: FrozenClock) -> tuple[Platform, Scene]:
    """120 transactions over 5 days around the change to summer time, on SQLite and PostgreSQL."""
    clock.current = START
    platform = make_platform(database_url)
    scene = make_scene()
    wallet = platform.wallet
    wallet.credit(scene.first.id, 50_000, kind="online_topup", description="Bancontact", idempotency_key="h:0")
    for n in range(1, 120):
        clock.advance(hours=1)
        if n % 10 == 0:
            wallet.credit(scene.first.id, 1_000, kind="bank_transfer", description=f"Transfer {n}",
                          idempotency_key=f"h:{n}", reference=f"STMT-{n}")
        elif n % 7 == 0:
            wallet.charge(scene.member, scene.first.id, 900_000, tool="btv", description=f"Too big {n}",
                          idempotency_key=f"h:{n}")
        else:
            tool = "cadastrefinder" if n % 2 else "btv"
            wallet.charge(scene.member, scene.first.id, 125, tool=tool, description=f"Search {n}",
                          idempotency_key=f"h:{n}")
    return platform, scene


def all_pages(platform: Platform, scene: Scene, filters: TransactionFilter, limit: int = 50) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = platform.wallet.transactions(scene.member, scene.first.id, filters, after=cursor, limit=limit)
        pages.append([int(row.number) for row in page.items])
        cursor = page.next_cursor
        if cursor is None:
            return pages


def test_keyset_pages_cover_the_history_newest_first(history: tuple[Platform, Scene]) -> None:
    platform, scene = history
    pages = all_pages(platform, scene, TransactionFilter())
    assert [len(p) for p in pages] == [50, 50, 20]
    numbers = [n for page in pages for n in page]
    assert numbers == list(range(120, 0, -1))


def test_filters_by_status_type_number_and_local_dates(history: tuple[Platform, Scene]) -> None:
    platform, scene = history

    def numbers(**filters: object) -> list[int]:
        return [n for page in all_pages(platform, scene, TransactionFilter(**filters), limit=7) for n in page]

    failed = numbers(status="failed")
    assert failed and all((n - 1) % 7 == 0 and (n - 1) % 10 for n in failed)
    assert numbers(type="bank_transfer") == [n + 1 for n in range(110, 0, -10)]
    assert numbers(type="online_topup") == [1]
    cadastre = numbers(type="tool:cadastrefinder")
    assert cadastre and all((n - 1) % 2 == 1 for n in cadastre)
    assert len(numbers(type="tool_usage")) == 120 - 1 - 11
    assert numbers(number=42) == [42]
    assert numbers(number=42, status="failed") == []
    # Belgian calendar days: 29 March 2026 runs from 23:00 UTC on the 28th to 22:00 UTC on the 29th.
    day = numbers(date_from=dt.date(2026, 3, 29), date_to=dt.date(2026, 3, 29))
    first_hour = int((dt.datetime(2026, 3, 28, 23) - START).total_seconds() // 3600) + 1
    assert day == list(range(first_hour + 22, first_hour - 1, -1))  # 23 hours: the clocks jump
    assert numbers(date_from=dt.date(2026, 4, 10)) == []


@pytest.mark.parametrize(
    ("filters", "code"),
    [
        (TransactionFilter(status="lost"), "status_invalid"),
        (TransactionFilter(type="gift"), "type_invalid"),
        (TransactionFilter(number=0), "number_invalid"),
        (TransactionFilter(date_from=dt.date(2026, 4, 2), date_to=dt.date(2026, 4, 1)), "date_range_invalid"),
    ],
)
def test_invalid_filters_are_refused(history: tuple[Platform, Scene], filters: TransactionFilter, code: str) -> None:
    platform, scene = history
    with pytest.raises(ValidationError) as caught:
        platform.wallet.transactions(scene.member, scene.first.id, filters)
    assert caught.value.code == code
    with pytest.raises(ValidationError):
        platform.wallet.transactions(scene.member, scene.first.id, after="not-a-cursor!")


def test_every_filtered_page_is_read_from_an_index(platform: Platform) -> None:
    """SQLite's plan for each filter: an index range, no table scan and no sort."""
    for filters in (TransactionFilter(), TransactionFilter(status="failed"), TransactionFilter(type="tool:btv"),
                    TransactionFilter(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 1, 31)),
                    TransactionFilter(status="failed", date_from=dt.date(2026, 1, 1))):
        from immo_connect.wallet.models import WalletTransaction as T

        query = T.select().where(*conditions(1, filters)).order_by(T.created_at.desc(), T.id.desc()).limit(51)
        sql, params = query.sql()
        plan = " ".join(str(row[-1]) for row in database.obj.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
        assert "USING INDEX" in plan and "TEMP B-TREE" not in plan, (filters, plan)


def read_export(platform: Platform, scene: Scene, filters: TransactionFilter) -> tuple[bytes, list[list[str]]]:
    path = platform.wallet.export_csv(scene.member, scene.first.id, filters)
    assert path.parent == platform.settings.data_dir / "exports" / scene.member.username
    raw = path.read_bytes()
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_export_opens_in_a_belgian_excel(history: tuple[Platform, Scene]) -> None:
    platform, scene = history
    raw, rows = read_export(platform, scene, TransactionFilter())
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    header, body = rows[0], rows[1:]
    assert header[:7] == ["Numéro", "Date", "Type", "Outil", "Description", "Par", "Montant (EUR)"]
    assert len(body) == 120 and [int(r[0]) for r in body] == list(range(1, 121))  # oldest first
    first, second = body[0], body[1]
    assert first[1] == "2026-03-27 11:00:00"  # 10:00 UTC is 11:00 in Brussels in winter
    assert first[2] == "Recharge en ligne" and first[6] == "500,00" and first[7] == "Réussie"
    assert (second[6], second[8], second[9]) == ("-1,25", "500,00", "498,75")
    summer = next(r for r in body if r[1].startswith("2026-03-29 04:"))
    assert summer[1] == "2026-03-29 04:00:00"  # 02:00 UTC after the change: UTC+2
    failed = next(r for r in body if r[7] == "Échouée")
    assert failed[10] == "Le solde était insuffisant." and failed[8] == failed[9]
    assert failed[6] == "0,00"  # nothing moved
    assert second[5] == "Bert Claes"  # « Par »: the person's name
    # The export read text as bytes; the connection hands out text as str again afterwards.
    page = platform.wallet.transactions(scene.member, scene.first.id, limit=1)
    assert isinstance(page.items[0].description, str)


def test_an_interrupted_export_leaves_the_connection_as_it_was(history: tuple[Platform, Scene]) -> None:
    platform, scene = history

    class FullDisk(io.BytesIO):
        def write(self, data: Any) -> int:
            if self.tell() > 100:
                raise OSError(28, "No space left on device")
            return super().write(data)

    with pytest.raises(OSError, match="No space left"):
        platform.wallet.write_csv(scene.member, scene.first.id, FullDisk())
    assert isinstance(platform.wallet.transactions(scene.member, scene.first.id, limit=1).items[0].description, str)


def test_an_export_on_a_full_disk_says_so_and_leaves_no_file(history: tuple[Platform, Scene],
                                                             clock: FrozenClock) -> None:
    platform, scene = history
    folder = platform.wallet.export_folder(scene.member.username)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = to_local(clock.now()).strftime("%Y%m%d-%H%M%S")
    # The file the export writes first is the kernel's always-full device: writing fails with ENOSPC.
    (folder / f"wallet-{scene.first.enterprise_number}-{stamp}.csv.part").symlink_to("/dev/full")
    with pytest.raises(ImmoConnectError) as caught:
        platform.wallet.export_csv(scene.member, scene.first.id)
    assert caught.value.code == "file_not_written"
    assert caught.value.message == (f"Le fichier wallet-{scene.first.enterprise_number}-{stamp}.csv n'a pas pu "
                                    "être écrit : No space left on device.")
    assert "exploitant" in caught.value.hint
    assert list(folder.iterdir()) == []
    assert not audit.AuditEvent.select().where(audit.AuditEvent.action == "wallet.export").exists()
    tx = platform.wallet.transactions(scene.member, scene.first.id, TransactionFilter(number=3)).items[0]
    (folder / f"voucher-{scene.first.enterprise_number}-3.pdf.part").symlink_to("/dev/full")
    with pytest.raises(ImmoConnectError) as caught:
        platform.wallet.voucher_file(scene.member, tx.id)
    assert caught.value.code == "file_not_written" and list(folder.iterdir()) == []


def test_csv_export_applies_filters_and_defuses_formulas(history: tuple[Platform, Scene], clock: FrozenClock) -> None:
    platform, scene = history
    platform.wallet.credit(scene.first.id, 100, kind="correction", description="=HYPERLINK(\"x\")",
                           idempotency_key="h:formula", reference="+32")
    _raw, rows = read_export(platform, scene, TransactionFilter(type="correction"))
    assert len(rows) == 2
    assert rows[1][4] == "'=HYPERLINK(\"x\")" and rows[1][11] == "'+32" and rows[1][5] == "correction"
    _raw, rows = read_export(platform, scene, TransactionFilter(status="failed"))
    assert rows[1:] and all(r[7] == "Échouée" for r in rows[1:])
    with pytest.raises(PermissionDenied):
        platform.wallet.export_csv(scene.outsider, scene.first.id)


def test_local_hour_follows_the_belgian_clock_changes() -> None:
    assert local_hour("2026-03-29 00:59:59.5") == ("2026-03-29 01", "2026-03-29 00:00:00", "2026-03-29 01:00:00")
    assert local_hour("2026-03-29 01:00:00")[0] == "2026-03-29 03"  # 02:00 local does not exist
    # The autumn change: 02:xx local comes twice, from two UTC hours.
    assert local_hour("2026-10-25 00:30:00")[0] == local_hour("2026-10-25 01:30:00")[0] == "2026-10-25 02"
    assert local_hour("2026-12-31 23:00:00")[0] == "2027-01-01 00"


PEOPLE = {7: "Eva Peeters"}


def reference_line(row: tuple[Any, ...], tool_titles: dict[str, str]) -> str:
    """One CSV line computed field by field, the slow and obvious way."""
    number, moment, type_key, description, actor, amount, status, before, after, reason, reference = row
    local = to_local(dt.datetime.fromisoformat(moment)).strftime("%Y-%m-%d %H:%M:%S")
    kind, tool = ("tool_usage", type_key[5:]) if type_key.startswith("tool:") else (type_key, "")
    reason_text = _(REASON_LABELS[reason]) if reason in REASON_LABELS else reason
    by = by_text(type_key, actor if type_key not in ("bank_transfer", "correction") else None, "", reason, PEOPLE)
    moved = amount if status == "succeeded" else 0  # a failed or pending row moved nothing
    cells = ["" if number is None else str(number), local, quoted(kind_label(kind)),
             quoted(tool_titles.get(tool, tool)), quoted(description), quoted(by), cents(moved),
             quoted(status_label(status)),
             cents(before), cents(after), quoted(reason_text), quoted(reference)]
    return ";".join(cells) + "\r\n"


def as_fetched(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """``row`` as the export reads it from SQLite (``export_query``): the number and the text as
    UTF-8 bytes, the status and the failure reason in one column."""
    number, moment, type_key, description, actor, amount, status, before, after, reason, reference = row
    outcome = f"{status} {reason}" if reason else status
    return (None if number is None else str(number).encode(), moment.encode(), type_key.encode(),
            description.encode(), actor, amount, outcome.encode(), before, after, reference.encode())


_texts = st.text(alphabet='ab;"=+-@é \n', max_size=6)
_rows = st.lists(st.tuples(
    st.none() | st.integers(1, 10**6), st.sampled_from([0, 1, 1_800_000, 3_600_000]) | st.integers(0, 3 * 10**8),
    st.sampled_from(["online_topup", "bank_transfer", "correction", "transfer", "tool:btv", "tool:gone", "odd"]),
    _texts, st.none() | st.just(7), st.integers(-(10**9), 10**9),
    st.sampled_from(["succeeded", "failed", "pending", "other"]),
    # Balances go below zero when money of a top-up is taken back.
    st.none() | st.integers(-(10**6), 10**9), st.none() | st.integers(-(10**6), 10**9),
    st.sampled_from(["", "insufficient_funds", "transfer_returned", "odd"]), _texts,
), max_size=40)


@hypothesis.settings(max_examples=200, deadline=None)
@hypothesis.given(rows=_rows, chained=st.booleans(), cut=st.integers(0, 40))
def test_fast_csv_lines_equal_the_obvious_formatting(rows: list[tuple[Any, ...]], chained: bool, cut: int) -> None:
    """Whatever the values, batches, clock changes and balance chains: the same text as field by field."""
    start = dt.datetime(2026, 3, 29, 0, 30)
    full = []
    previous_after = None
    elapsed = itertools.accumulate(row[1] for row in rows)
    for milliseconds, (number, _gap, type_key, text, actor, amount, status, stored_before, after, reason, ref) in zip(
            elapsed, rows, strict=True):
        moment = (start + dt.timedelta(milliseconds=milliseconds)).isoformat(" ")
        before = previous_after if chained else stored_before
        previous_after = after
        full.append((number, moment, type_key, text, actor, amount, status, before, after, reason, ref))
    titles = {"btv": "BTV"}
    labels = _Labels(titles)
    labels.people = {account: ('";' + quoted(name)).encode() for account, name in PEOPLE.items()}
    lines = _Lines(labels)
    fetched = [as_fetched(row) for row in full]
    produced = lines.text(fetched[:cut]) + lines.text(fetched[cut:])
    assert produced.decode() == "".join(reference_line(row, titles) for row in full)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is installed by make test")
def test_voucher_pdf_text_and_rendering(history: tuple[Platform, Scene], tmp_path: Path) -> None:
    platform, scene = history
    tx = platform.wallet.transactions(scene.member, scene.first.id, TransactionFilter(number=3)).items[0]
    path = platform.wallet.voucher_file(scene.member, tx.id)
    assert path.parent.name == scene.member.username and path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("Bon de transaction", "Immo-Connect SRL", "0403.170.701", "Agence Lumière",
                     "Rue Haute 12, 1000 Bruxelles", "Numéro de transaction", "27/03/2026 13:00:00",
                     "Utilisation d'un outil", "Search 2", "-1,25 €", "498,75 €", "497,50 €", "Réussie",
                     "pas une facture"):
        assert expected in text, (expected, text)
    org_number = scene.first.enterprise_number
    assert f"{org_number[:4]}.{org_number[4:7]}.{org_number[7:]}" in text
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                   check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2_000
    with pytest.raises(PermissionDenied):
        platform.wallet.voucher_pdf(scene.outsider, tx.id)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is installed by make test")
def test_voucher_of_a_transfer_names_the_other_wallet(history: tuple[Platform, Scene]) -> None:
    platform, scene = history
    out = platform.wallet.transfer(scene.manager, scene.first.id, scene.second.id, 1_000, description="Budget Gent",
                                   idempotency_key="h:transfer")
    incoming = platform.wallet.transactions(scene.manager, scene.second.id).items[0]
    for row, other in ((out, scene.second.name), (incoming, scene.first.name)):
        content = platform.wallet.voucher_pdf(scene.manager, row.id)
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True,
                              check=True).stdout.decode()
        assert other in text and "Budget Gent" in text, text
    with pytest.raises(PermissionDenied):
        platform.wallet.voucher_file(scene.member, incoming.id)  # not a member of the receiving organisation


def test_documents_without_dejavu_fall_back_on_latin1_text() -> None:
    from immo_connect.pdf import DocumentPdf

    pdf = DocumentPdf()
    pdf.unicode = False  # as on a machine without fonts-dejavu-core: the core Helvetica font
    assert pdf.text_of("Solde : 1\u202f234,50 € — Agence Lumière") == "Solde : 1 234,50 EUR ? Agence Lumière"


def test_the_export_reads_no_name_per_person_and_shows_negative_balances(
    make_platform: Callable[..., Platform], database_url: str,
) -> None:
    from playhouse.test_utils import count_queries

    from tests.support.factories import add_member, make_account

    platform = make_platform(database_url)
    scene = make_scene()
    paid = platform.wallet.credit(scene.first.id, 10_00, kind="online_topup", description="Card",
                                  idempotency_key="np:topup")

    def export() -> tuple[int, str]:
        out = io.BytesIO()
        with count_queries() as counted:
            platform.wallet.write_csv(scene.manager, scene.first.id, out)
        return counted.count, out.getvalue().decode()

    platform.wallet.charge(scene.member, scene.first.id, 1_50, tool="btv", description="One", idempotency_key="np:0")
    few, _text = export()
    for n in range(5):  # five more people charge: the export reads no more
        person = make_account(f"np{n}", first_name="Person", last_name=f"N{n}")
        add_member(scene.first, person)
        platform.wallet.charge(person, scene.first.id, 1_50, tool="btv", description=f"Use {n}",
                               idempotency_key=f"np:{n + 1}")
    many, text = export()
    assert many == few
    assert all(f'"Person N{n}"' in text for n in range(5))
    # Money of the top-up taken back leaves the wallet below zero: -1,25 €.
    platform.wallet.take_back(scene.first.id, 2_25, original_transaction_id=int(paid.id), reason="chargeback",
                              description="Chargeback", idempotency_key="np:cb")
    _count, text = export()
    assert text.rstrip().splitlines()[-1].split(";")[8:10] == ["1,00", "-1,25"]

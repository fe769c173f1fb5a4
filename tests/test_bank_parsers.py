"""Reading CODA 2.x and camt.053 statements: fields, tolerance, malformed input, safety."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from immo_connect.bank import detect_format, read_statement
from immo_connect.bank._entries import find_communication
from immo_connect.errors import ValidationError
from tests.support import statements as s

DATA = Path(__file__).parent / "data" / "statements"


def test_spec_sample_coda_fields() -> None:
    statement = read_statement((DATA / "spec-sample.cod").read_bytes())
    assert statement.format == "coda" and statement.accounts == ["BE36734012345681"]
    assert statement.warnings == []  # trailer count and credit total agree
    first, second = statement.entries
    assert (first.reference, first.amount_cents, first.communication) == ("OL4821A0001EBKTBBNPOS", 25000, "202600004236")
    assert (first.counterparty_name, first.counterparty_iban) == ("JANSSENS PIETER", "BE71096123456769")
    assert first.booking_date == dt.date(2026, 3, 3) and first.credit and first.problem == ""
    assert (second.amount_cents, second.communication, second.counterparty_name) == (123456, "000001234526", "DUPONT MARIE")


def test_spec_sample_camt_gives_the_same_entries_and_keys() -> None:
    coda = read_statement((DATA / "spec-sample.cod").read_bytes())
    camt = read_statement((DATA / "spec-sample.xml").read_bytes())
    assert camt.format == "camt053"
    assert [e.key for e in camt.entries] == [e.key for e in coda.entries]
    assert [(e.amount_cents, e.communication, e.counterparty_iban) for e in camt.entries] == [
        (25000, "202600004236", "BE71096123456769"), (123456, "000001234526", "BE21001234567803")]


def test_mixed_coda_sample_classifies_every_line() -> None:
    statement = read_statement((DATA / "mixed.cod").read_bytes())
    summary = [(e.position, e.credit, e.amount_cents, e.communication, e.problem) for e in statement.entries]
    assert summary == [
        ("ligne 3", True, 25000, s.WALLET_A, ""),
        ("ligne 6", True, 123456, s.WALLET_B, ""),
        ("ligne 9", True, 7500, s.UNKNOWN, ""),
        ("ligne 12", True, 10000, s.WALLET_A, ""),  # written in the free communication
        ("ligne 15", True, 6000, None, "invalid_communication"),
        ("ligne 18", True, 4000, None, "no_communication"),
        ("ligne 21", True, 25000, s.WALLET_A, ""),  # the same movement again
        ("ligne 24", False, 1250, None, "no_communication"),  # bank fees (debit)
    ]
    assert statement.entries[0].key == statement.entries[6].key
    assert statement.statements[0].problems == []


def test_damaged_coda_lines_are_unreadable_and_make_the_statement_unreliable(english: None) -> None:
    statement = read_statement(s.damaged_coda().encode())
    summary = [(e.position, e.amount_cents, e.problem) for e in statement.entries]
    assert summary == [("line 3", 25000, ""), ("line 6", None, "unreadable"), ("line 9", None, "unreadable")]
    assert "#### DAMAGED LINE ####" in statement.entries[-1].raw
    assert sorted(statement.statements[0].problems) == [
        "line 6: the amount or sign of this movement cannot be read.",
        "line 9: this line is not a CODA record.",
    ]


def test_mixed_camt_sample_classifies_every_entry(english: None) -> None:
    statement = read_statement((DATA / "mixed.xml").read_bytes())
    summary = [(e.reference, e.credit, e.booked, e.amount_cents, e.currency, e.communication, e.problem)
               for e in statement.entries]
    assert summary == [
        ("CAMT0001", True, True, 25000, "EUR", s.WALLET_A, ""),
        ("CAMT0002", True, True, 123456, "EUR", s.WALLET_B, ""),  # SCOR without issuer
        ("CAMT0003", True, True, 8000, "EUR", s.WALLET_A, ""),  # OGM in the unstructured text
        ("CAMT0004", True, True, 7500, "EUR", s.UNKNOWN, ""),
        ("CAMT0005", True, True, 6000, "EUR", None, "invalid_communication"),
        ("CAMT0006", True, True, 4500, "EUR", None, "no_communication"),  # an RF reference only
        ("CAMT0001", True, True, 25000, "EUR", s.WALLET_A, ""),
        ("CAMT0008", False, True, 1250, "EUR", None, "no_communication"),
        ("CAMT0009", True, False, 30000, "EUR", s.WALLET_B, ""),  # pending
        ("CAMT0011-1", True, True, 10000, "EUR", s.WALLET_B, ""),  # a batch: one entry per detail
        ("CAMT0011-2", True, True, 5000, "EUR", s.UNKNOWN, ""),
    ]
    assert [e.position for e in statement.entries][:2] == ["entry 1", "entry 2"]
    (summary,) = statement.statements
    assert (summary.opening_cents, summary.sequence, summary.problems) == (500_000_00, 5, [])
    assert summary.closing_cents == summary.opening_cents + summary.movement_credits - summary.movement_debits


def test_camt_unreadable_amounts_foreign_entries_and_wrong_batches_are_statement_problems(english: None) -> None:
    statement = read_statement(s.camt([
        s.Entry("CAMT0010", "12,50", ogm=s.WALLET_B),
        s.Entry("CAMT0012", "90.00", ogm=s.WALLET_A, currency="USD"),
        s.Entry("CAMT0011", "150.00", details=[s.Entry("CAMT0011-1", "100.00", ogm=s.WALLET_B),
                                               s.Entry("CAMT0011-2", "40.00", ogm=s.UNKNOWN)]),
    ]).encode())
    assert [(e.reference, e.problem) for e in statement.entries] == [
        ("CAMT0010", "unreadable"), ("CAMT0012", "currency"), ("CAMT0011-1", ""), ("CAMT0011-2", "")]
    assert statement.statements[0].problems == [
        "entry 1: the amount of this entry cannot be read.",
        "entry 2: the entry is in USD, the account in EUR.",
        "entry 3: the transactions of this batch add up to €140.00, the entry says €150.00.",
    ]


def test_detection_is_by_content_not_by_name() -> None:
    assert detect_format((DATA / "mixed.cod").read_bytes()) == "coda"
    assert detect_format(b"\xef\xbb\xbf\n  " + (DATA / "mixed.xml").read_bytes()) == "camt053"
    for junk in (b"hello\n", b"IBAN;amount\nBE71;12\n", b"1" * 128):
        with pytest.raises(ValidationError) as caught:
            read_statement(junk)
        assert caught.value.code == "statement_format"
    with pytest.raises(ValidationError) as caught:
        read_statement(b"  \r\n")
    assert caught.value.code == "statement_empty"


def test_xml_that_is_not_camt053_or_not_well_formed_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        read_statement(b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">'
                       b"<CstmrCdtTrfInitn/></Document>")
    assert caught.value.code == "statement_format"
    with pytest.raises(ValidationError) as caught:
        read_statement(b"<Document><BkToCstmrStmt><Stmt></BkToCstmrStmt>")
    assert caught.value.code == "statement_unreadable"


@pytest.mark.parametrize("payload", [
    # An entity bomb: refused before any expansion.
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    b"<Document><BkToCstmrStmt><Stmt><Id>&b;</Id></Stmt></BkToCstmrStmt></Document>",
    # An external entity pointing at a local file.
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b"<Document><BkToCstmrStmt><Stmt><Id>&x;</Id></Stmt></BkToCstmrStmt></Document>",
])
def test_camt_with_dtd_or_entities_is_refused_unread(payload: bytes) -> None:
    with pytest.raises(ValidationError) as caught:
        read_statement(payload)
    assert caught.value.code == "statement_unsafe"
    assert "passwd" not in str(caught.value) and "root:" not in str(caught.value)


def test_coda_tolerates_stripped_trailing_blanks_and_reports_bad_records() -> None:
    text = s.coda([s.Move("REF1", 100_00, ogm=s.WALLET_A), s.Move("REF2", 50_00, free="merci")])
    lines = text.split("\r\n")
    stripped = "\n".join(line.rstrip() for line in lines)  # an editor removed trailing blanks, LF only
    statement = read_statement(stripped.encode())
    assert [(e.amount_cents, e.communication) for e in statement.entries] == [(10000, s.WALLET_A), (5000, None)]
    assert statement.warnings == []

    too_long = lines[2] + "EXTRA"
    orphan = "22" + lines[5][2:]  # a 2.2 whose 2.1 is missing: sequence 0009
    orphan = orphan[:2] + "0009" + orphan[6:]
    broken = "\r\n".join([*lines[:2], too_long, *lines[3:5], orphan, *lines[5:]])
    statement = read_statement(broken.encode())
    assert [e.problem for e in statement.entries] == ["unreadable", "no_communication"]
    assert statement.entries[0].raw == too_long
    assert any("2.2" in w for w in statement.warnings)  # the orphan record
    problems = statement.statements[0].problems
    assert len(problems) == 1 and "CODA" in problems[0]  # the long line (the totals are checked on import)


def test_coda_trailer_totals_are_read_for_the_reconciliation() -> None:
    lines = s.coda([s.Move("REF1", 100_00, ogm=s.WALLET_A)]).split("\r\n")
    trailer = lines[-2]
    lines[-2] = trailer[:37] + f"{999_990:015d}" + trailer[52:]
    (summary,) = read_statement("\r\n".join(lines).encode()).statements
    assert (summary.declared_credits, summary.movement_credits) == (99999, 100_00)


def test_coda_globalised_movement_credits_its_details() -> None:
    text = s.coda([s.Move("GLOB1", 150_00, free="total")])
    lines = text.split("\r\n")
    movement = lines[2]
    total = movement[:53] + "1" + movement[54:]  # transaction type 1: a customer globalisation
    details = []
    for number, (cents, ogm) in enumerate([(100_00, s.WALLET_A), (50_00, s.WALLET_B)], start=1):
        detail = s.record({1: "21", 3: "0001", 7: f"{number:04d}", 11: "GLOB1", 32: "0",
                           33: s.amount15(cents), 48: "030326", 54: "50150000", 62: "1", 63: "101" + ogm,
                           116: "030326", 122: "005", 125: "0", 126: "0", 128: "0"})
        details.append(detail)
    statement = read_statement("\r\n".join([*lines[:2], total, *lines[3:5], *details, *lines[5:]]).encode())
    assert [(e.reference, e.amount_cents, e.communication) for e in statement.entries] == [
        ("GLOB1/0001", 10000, s.WALLET_A), ("GLOB1/0002", 5000, s.WALLET_B)]


def test_free_text_communication_is_found_only_when_whole() -> None:
    assert find_communication("Wallet +++202/6000/04236+++ merci") == (s.WALLET_A, "")
    assert find_communication("***202/6000/04236***") == (s.WALLET_A, "")
    assert find_communication("ref 202 6000 04236") == (s.WALLET_A, "")
    assert find_communication("invoice 9202600004236") == (None, "no_communication")  # part of a longer number
    assert find_communication("+++202/6000/04237+++") == (None, "invalid_communication")
    assert find_communication("") == (None, "no_communication")

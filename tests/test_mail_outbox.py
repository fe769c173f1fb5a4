"""Enqueueing mails: transactions, idempotency keys, templates and their rendering."""

from __future__ import annotations

import threading
from pathlib import Path

import peewee
import pytest

from immo_connect import i18n, mail
from immo_connect.errors import ConflictError, NotFoundError, ValidationError
from immo_connect.mail import MailTemplateError, OutboxMessage, enqueue
from immo_connect.mail import _templates as templates
from immo_connect.mail._seal import SealError
from immo_connect.platform import Platform
from immo_connect.storage import transaction

CONTEXT = {"address": "anne@example.be", "transport": "maildir"}


def _enqueue(key: str = "check:1", **overrides: object) -> OutboxMessage:
    arguments: dict[str, object] = {"to": "anne@example.be", "template": "transport_check",
                                    "context": CONTEXT, "key": key}
    arguments.update(overrides)
    with transaction():
        return enqueue(**arguments)  # type: ignore[arg-type]


def test_mail_commits_with_the_change_that_causes_it(any_platform: Platform) -> None:
    message = _enqueue()
    stored = OutboxMessage.get_by_id(message.id)
    assert stored.status == "pending"
    assert stored.recipient == "anne@example.be"
    assert stored.attempts == 0
    assert stored.next_attempt_at == any_platform.clock.now()
    assert [m.id for m in any_platform.outbox.pending()] == [message.id]


def test_rollback_of_the_change_leaves_no_mail(any_platform: Platform) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction():
        enqueue(to="anne@example.be", template="transport_check", context=CONTEXT, key="check:lost")
        raise Boom
    assert OutboxMessage.select().count() == 0
    assert any_platform.outbox.counts() == {"pending": 0, "sent": 0, "abandoned": 0}


def test_enqueue_outside_a_transaction_is_refused(platform: Platform) -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        enqueue(to="anne@example.be", template="transport_check", context=CONTEXT, key="k")
    assert OutboxMessage.select().count() == 0


def test_same_key_returns_the_existing_mail_and_creates_nothing(platform: Platform) -> None:
    first = _enqueue("activation:7:1")
    again = _enqueue("activation:7:1", context={"address": "other text", "transport": "x"})
    assert again.id == first.id
    assert again.plain_text() == first.plain_text()  # the first rendering stays
    assert OutboxMessage.select().count() == 1
    assert _enqueue("activation:7:2").id != first.id


def test_same_key_for_another_recipient_is_a_conflict(platform: Platform) -> None:
    _enqueue("k:1")
    with pytest.raises(ConflictError) as caught:
        _enqueue("k:1", to="bob@example.be")
    assert caught.value.field == "key"
    assert OutboxMessage.select().count() == 1


def test_concurrent_enqueues_of_one_key_make_one_row(any_platform: Platform) -> None:
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        try:
            barrier.wait()
            results.append(_enqueue("race:1").id)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            any_platform.database.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1 and len(results) == 4
    assert OutboxMessage.select().count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"to": "not-an-address"}, "to"),
        ({"to": "anne@example.be\r\nBcc: evil@example.com"}, "to"),
        ({"to": "a" * 250 + "@example.be"}, "to"),
        ({"key": ""}, "key"),
        ({"key": "k" * 201}, "key"),
        ({"language": "de"}, "language"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(platform: Platform, overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _enqueue(**overrides)
    assert caught.value.field == field
    assert caught.value.hint
    assert OutboxMessage.select().count() == 0


def test_rendering_in_french_by_default_and_in_english_on_request(platform: Platform) -> None:
    french = _enqueue("fr:1")
    english = _enqueue("en:1", language="en")
    assert (french.language, english.language) == ("fr", "en")
    assert french.subject == "Immo-Connect : message de test"
    assert english.subject == "Immo-Connect: test message"
    assert "peut envoyer des e-mails à anne@example.be" in french.plain_text()
    assert "can send e-mail to anne@example.be" in english.plain_text()
    html = english.html_text()
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert "<strong>anne@example.be</strong>" in html
    # The shared layout carries the platform name and the support contact from settings.
    assert "support@immo-connect.be" in html and "+32 2 000 00 00" in html


def test_dutch_mails_are_written_in_dutch(platform: Platform) -> None:
    dutch = _enqueue("nl:1", language="nl")
    assert dutch.language == "nl" and "testbericht" in dutch.subject


def test_a_language_without_templates_falls_back_to_the_next_one(platform: Platform) -> None:
    rendered = templates.render("transport_check", {"address": "a@example.be", "transport": "smtp"},
                                languages=["de", "fr"], platform=platform.settings.platform)
    assert rendered.language == "fr"


def test_platform_settings_reach_the_layout(make_platform: object, tmp_path: Path) -> None:
    platform = make_platform(config_text='[platform]\nname = "Agence <Test>"\nsupport_email = "help@agence.be"\n')  # type: ignore[operator]
    message = _enqueue("brand:1")
    assert platform.settings.platform.name == "Agence <Test>"
    assert message.subject == "Agence <Test> : message de test"
    assert "Agence &lt;Test&gt;" in message.html_text()
    assert "help@agence.be" in message.html_text()


@pytest.mark.parametrize(("language", "words"), [
    ("fr", "Ce message a été envoyé automatiquement par Agence &lt;Test&gt;. Une question ? Écrivez à "
           '<a href="mailto:help@agence.be">help@agence.be</a>'),
    ("nl", "Dit bericht werd automatisch verstuurd door Agence &lt;Test&gt;. Een vraag? Schrijf naar "
           '<a href="mailto:help@agence.be">help@agence.be</a>'),
    ("en", "This message was sent automatically by Agence &lt;Test&gt;. A question? Write to "
           '<a href="mailto:help@agence.be">help@agence.be</a>'),
])
def test_one_layout_speaks_the_language_of_the_mail(make_platform: object, language: str, words: str) -> None:
    make_platform(config_text='[platform]\nname = "Agence <Test>"\nsupport_email = "help@agence.be"\n')  # type: ignore[operator]
    with i18n.using("en" if language != "en" else "fr"):  # the sender's language does not matter
        page = _enqueue(f"layout:{language}", language=language).html_text()
    assert f'<html lang="{language}">' in page and words in page


def test_values_are_escaped_in_html_but_not_in_text(platform: Platform) -> None:
    message = _enqueue("escape:1", context={"address": "<b>x</b>@example.be", "transport": "a & b"})
    assert "<b>x</b>@example.be" in message.plain_text()
    assert "&lt;b&gt;x&lt;/b&gt;@example.be" in message.html_text()
    assert "a &amp; b" in message.html_text()


def test_missing_placeholder_fails_at_enqueue_and_names_it(platform: Platform) -> None:
    with pytest.raises(MailTemplateError) as caught:
        _enqueue("missing:1", context={"address": "anne@example.be"})
    assert "transport" in caught.value.message
    assert "fr/transport_check" in caught.value.message
    assert OutboxMessage.select().count() == 0


def test_unknown_template_and_unsafe_names_are_refused(platform: Platform) -> None:
    with pytest.raises(MailTemplateError, match="no_such_mail"):
        _enqueue(template="no_such_mail")
    with pytest.raises(MailTemplateError):
        _enqueue(template="../../etc/passwd")


@pytest.fixture
def template_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "templates"
    (folder / "fr").mkdir(parents=True)
    (folder / "_layout.html").write_text("<main>{platform_name}|{subject}|{body}</main>")
    monkeypatch.setattr(templates, "TEMPLATE_DIR", folder)
    return folder


def test_subject_stays_one_line_and_format_specs_work(platform: Platform, template_dir: Path) -> None:
    (template_dir / "fr" / "topup.txt").write_text("Subject: Reçu {amount:.2f} € — {name}\n\nMontant : {amount:.2f} €\n")
    (template_dir / "fr" / "topup.html").write_text("<p>{amount:.2f} € pour {name}</p>")
    rendered = mail.render("topup", {"amount": 12.5, "name": "A\r\nBcc: x@y.z"},
                           languages=["fr"], platform=platform.settings.platform)
    assert rendered.subject == "Reçu 12.50 € — A Bcc: x@y.z"
    assert rendered.text == "Montant : 12.50 €\n"
    assert rendered.html == "<main>Immo-Connect|Reçu 12.50 € — A Bcc: x@y.z|<p>12.50 € pour A\r\nBcc: x@y.z</p></main>"


def test_malformed_templates_give_clear_errors(platform: Platform, template_dir: Path, english: None) -> None:
    (template_dir / "fr" / "nosubject.txt").write_text("Bonjour {name}\n")
    (template_dir / "fr" / "nosubject.html").write_text("<p></p>")
    (template_dir / "fr" / "positional.txt").write_text("Subject: x\n\nBonjour {}\n")
    (template_dir / "fr" / "positional.html").write_text("<p></p>")
    section = platform.settings.platform
    with pytest.raises(MailTemplateError, match="subject line"):
        mail.render("nosubject", {"name": "A"}, languages=["fr"], platform=section)
    with pytest.raises(MailTemplateError, match="malformed placeholder"):
        mail.render("positional", {}, languages=["fr"], platform=section)


def test_bodies_are_sealed_at_rest(platform: Platform) -> None:
    message = _enqueue("seal:1", context={"address": "anne@example.be", "transport": "K7P2QX"})
    raw = platform.database.execute_sql("SELECT text, html FROM outbox_message WHERE id = ?", (message.id,)).fetchone()
    assert all("K7P2QX" not in column for column in raw)
    assert "K7P2QX" in message.plain_text() and "K7P2QX" in message.html_text()
    # The sealed body is bound to its row: moved under another key it does not open.
    platform.database.execute_sql("UPDATE outbox_message SET key = 'other' WHERE id = ?", (message.id,))
    with pytest.raises(SealError) as moved:  # the cipher's tag no longer matches
        OutboxMessage.get_by_id(message.id).plain_text()
    assert moved.value.code == "mail_key"


def test_message_id_is_derived_from_the_key(platform: Platform) -> None:
    message = _enqueue("activation:42:9")
    assert message.message_id == mail.message_id_for("activation:42:9", platform.settings.mail.sender)
    assert message.message_id.endswith("@immo-connect.be>")
    assert "activation" not in message.message_id and "42" not in message.message_id.split("@")[0][:3]


def test_outbox_listing_filters(platform: Platform) -> None:
    _enqueue("l:1")
    _enqueue("l:2", to="bob@example.be")
    outbox = platform.outbox
    assert [m.key for m in outbox.list()] == ["l:2", "l:1"]
    assert [m.key for m in outbox.list(to="bob@example.be")] == ["l:2"]
    assert outbox.list(status="sent") == []
    with pytest.raises(ValidationError):
        outbox.list(status="lost")
    with pytest.raises(NotFoundError) as caught:
        outbox.get(999)
    assert getattr(caught.value, "code", "") == "not_found"


def test_unique_key_is_enforced_by_the_database(platform: Platform) -> None:
    _enqueue("db:1")
    with pytest.raises(peewee.IntegrityError), transaction():
        OutboxMessage.insert(**{k: v for k, v in OutboxMessage.get().__data__.items() if k != "id"}).execute()

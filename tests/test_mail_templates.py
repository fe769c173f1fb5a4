"""Every mail template of every area: both languages, both parts, the same placeholders."""

from __future__ import annotations

import string

import pytest

from immo_connect.mail._templates import LAYOUT, TEMPLATE_DIR

LANGUAGES = ("fr", "en", "nl")
NAMES = sorted({p.stem for p in TEMPLATE_DIR.glob("*/*.*")})


def fields(text: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("name", NAMES)
def test_template_exists_in_both_languages_with_the_same_placeholders(name: str) -> None:
    found = {}
    for language in LANGUAGES:
        text_file, html_file = TEMPLATE_DIR / language / f"{name}.txt", TEMPLATE_DIR / language / f"{name}.html"
        assert text_file.exists() and html_file.exists(), f"{language}/{name}: both .txt and .html are needed"
        text = text_file.read_text(encoding="utf-8")
        first, _, rest = text.partition("\n")
        assert first.startswith("Subject: ") and rest.startswith("\n"), f"{language}/{name}.txt: 'Subject: …' then a blank line"
        found[language] = fields(text) | fields(html_file.read_text(encoding="utf-8"))
    # A context that renders in one language must render in the other.
    assert found["fr"] == found["en"], f"{name}: placeholders differ between fr and en"


def test_one_layout_for_every_language_with_its_words_from_the_catalogs() -> None:
    layout = (TEMPLATE_DIR / f"{LAYOUT}.html").read_text(encoding="utf-8")
    assert fields(layout) <= {"language", "subject", "body", "notice", "platform_name", "legal_name", "website"}
    assert "{body}" in layout and "{notice}" in layout and '<html lang="{language}">' in layout
    assert not any((TEMPLATE_DIR / language / f"{LAYOUT}.html").exists() for language in LANGUAGES)


@pytest.mark.parametrize(("language", "count", "words"), [
    ("en", 1, "for 1 minute;"), ("en", 5, "for 5 minutes;"),
    ("fr", 1, "pendant 1 minute ;"), ("fr", 60, "pendant 60 minutes ;"),
    ("nl", 1, "gedurende 1 minuut\n"), ("nl", 2, "gedurende 2 minuten\n"),
])
def test_the_lock_mail_counts_minutes_in_the_readers_words(language: str, count: int, words: str) -> None:
    from immo_connect.config import PlatformSection
    from immo_connect.i18n import lazy_ngettext
    from immo_connect.mail import render

    wait = lazy_ngettext("{count} minute", "{count} minutes", count)
    mail = render("account_locked", {"first_name": "Anne", "username": "anne.peeters", "failures": 5, "wait": wait},
                  languages=[language], platform=PlatformSection())
    assert words in mail.text and "(s)" not in mail.text and "/minuten" not in mail.text
    assert " ".join(words.split()[1:]).strip(" ;") in mail.html

"""Every mail template of every area: both languages, both parts, the same placeholders."""

from __future__ import annotations

import string

import pytest

from immo_connect.mail._templates import LAYOUT, TEMPLATE_DIR

LANGUAGES = ("fr", "en", "nl")
NAMES = sorted({p.stem for p in TEMPLATE_DIR.glob("*/*.*") if p.stem != LAYOUT})


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


def test_layout_exists_in_both_languages() -> None:
    for language in LANGUAGES:
        layout = (TEMPLATE_DIR / language / f"{LAYOUT}.html").read_text(encoding="utf-8")
        assert fields(layout) <= {"subject", "body", "platform_name", "legal_name", "support_email",
                                  "support_phone", "website"}
        assert "{body}" in layout and "{support_email}" in layout

"""Mail templates: ``templates/<lang>/<name>.txt`` (subject + text) and ``<name>.html``.

The text file starts with ``Subject: …``, then a blank line, then the body. The HTML file
holds only the body; it is placed inside ``templates/_layout.html``, one layout for every
language whose words come from the catalogs. Placeholders use ``str.format`` syntax; values
are HTML-escaped in the HTML part. Rendering happens when a mail is enqueued, so a missing
value fails in the caller's transaction, not in the worker; it happens in the mail's
language, so a value that is written at the last moment (:func:`immo_connect.i18n.lazy_ngettext`,
« 3 minutes ») is written in the reader's words.
"""

from __future__ import annotations

import dataclasses
import html
import re
import string
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from immo_connect import i18n
from immo_connect.config import PlatformSection
from immo_connect.errors import ValidationError
from immo_connect.i18n import _

TEMPLATE_DIR = Path(__file__).with_name("templates")
LAYOUT = "_layout"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


class MailTemplateError(ValidationError):
    """A template is missing, malformed, or a placeholder has no value."""

    code = "mail_template"


@dataclasses.dataclass(frozen=True)
class RenderedMail:
    language: str
    subject: str
    text: str
    html: str


class _Markup(str):
    """HTML made here (the body, a link), placed as it is."""


class _HtmlFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, _Markup):
            return str(value)
        return html.escape(super().format_field(value, format_spec))


_TEXT = string.Formatter()
_HTML = _HtmlFormatter()


@cache
def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _fill(formatter: string.Formatter, text: str, values: Mapping[str, object], where: str, language: str) -> str:
    """``text`` with its values, those written now (counts) in ``language``; a mistake is
    told in the language of whoever sends the mail."""
    try:
        with i18n.using(language):
            return formatter.vformat(text, (), values)
    except KeyError as error:
        raise MailTemplateError(
            _("The mail template {where} needs a value for {name}, which was not given.").format(
                where=where, name=error.args[0]),
            hint=_("Pass {name} in the context given to enqueue().").format(name=error.args[0]),
        ) from None
    except (IndexError, AttributeError, ValueError) as error:
        raise MailTemplateError(
            _("The mail template {where} has a malformed placeholder: {reason}.").format(
                where=where, reason=error),
            hint=_("Use named placeholders such as {first_name}; write {{ and }} for literal braces."),
        ) from None


def _split_text(raw: str, where: str) -> tuple[str, str]:
    first, _sep, rest = raw.partition("\n")
    if not first.startswith("Subject:") or not rest.startswith("\n"):
        raise MailTemplateError(
            _("The mail template {where} does not start with a subject line.").format(where=where),
            hint=_("Start the .txt file with 'Subject: …' followed by one blank line."),
        )
    return first[len("Subject:"):].strip(), rest[1:]


def platform_values(section: PlatformSection) -> dict[str, object]:
    """Values every template may use: who runs the platform and how to reach support."""
    return {
        "platform_name": section.name,
        "legal_name": section.legal_name,
        "support_email": section.support_email,
        "support_phone": section.support_phone,
        "website": section.website,
    }


def render(
    template: str,
    context: Mapping[str, object],
    *,
    languages: Sequence[str],
    platform: PlatformSection,
) -> RenderedMail:
    """Render ``template`` in the first of ``languages`` that has it."""
    if not _NAME.match(template):
        raise MailTemplateError(
            _("{template!r} is not a valid mail template name.").format(template=template),
            hint=_("Use lowercase letters, digits and underscores, e.g. activation_code."),
        )
    layout = _read(TEMPLATE_DIR / f"{LAYOUT}.html")
    for language in dict.fromkeys(languages):
        raw_text = _read(TEMPLATE_DIR / language / f"{template}.txt")
        raw_html = _read(TEMPLATE_DIR / language / f"{template}.html")
        if raw_text is not None and raw_html is not None and layout is not None:
            break
    else:
        raise MailTemplateError(
            _("There is no mail template {template} in {languages}.").format(
                template=template, languages=", ".join(languages)),
            hint=_("Add {template}.txt and {template}.html under core/mail/templates/<language>/.").format(
                template=template),
        )
    where = f"{language}/{template}"
    values = {**platform_values(platform), **context}
    subject_format, body_format = _split_text(raw_text, where + ".txt")
    # A header must stay one line whatever the values hold.
    subject = " ".join(_fill(_TEXT, subject_format, values, where + ".txt", language).split())
    text = _fill(_TEXT, body_format, values, where + ".txt", language)
    body = _fill(_HTML, raw_html, values, where + ".html", language)
    with i18n.using(language):
        notice = _notice(platform)
    page = _fill(_HTML, layout, {
        **platform_values(platform), "language": language, "subject": subject, "body": _Markup(body),
        "notice": _Markup(notice),
    }, f"{LAYOUT}.html", language)
    return RenderedMail(language=language, subject=subject, text=text, html=page)


def _notice(platform: PlatformSection) -> str:
    """The layout's last words, in the mail's language, with the support address as a link."""
    address = html.escape(platform.support_email)
    return _HTML.vformat(
        _("This message was sent automatically by {platform_name}. A question? Write to {support_email} "
          "or call {support_phone}."),
        (), {**platform_values(platform), "support_email": _Markup(f'<a href="mailto:{address}">{address}</a>')})

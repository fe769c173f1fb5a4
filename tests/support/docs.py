"""Commands and files as docs/ gives them to operators, for tests that run them as written.

A test takes a block from a document, replaces the document's fixed places (``/etc/…``,
``/opt/…``, ports) with its own, and runs or writes it. Nothing else is changed, so a
mistake in the document makes the test fail.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def code_blocks(document: str) -> list[str]:
    """The code blocks of ``docs/<document>``: indented by four spaces, or fenced with ```."""
    text = (ROOT / "docs" / document).read_text(encoding="utf-8")
    blocks = [match.group(1) for match in re.finditer(r"^```[^\n]*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)]
    text = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    for match in re.finditer(r"(?:^|\n\n)((?:(?: {4}.*)?\n)+)", text):
        block = textwrap.dedent(match.group(1)).strip("\n")
        if block.strip():
            blocks.append(block + "\n")
    return blocks


def block_with(document: str, marker: str) -> str:
    """The one code block of ``document`` that contains ``marker``."""
    found = [block for block in code_blocks(document) if marker in block]
    assert len(found) == 1, f"docs/{document}: {len(found)} code blocks contain {marker!r}"
    return found[0]


def substitute(text: str, places: Mapping[str, str]) -> str:
    """``text`` with each of the document's places replaced by the test's, longest first."""
    for old in sorted(places, key=len, reverse=True):
        text = text.replace(old, places[old])
    return text


def read_environment_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines as systemd's ``EnvironmentFile=`` reads them (quotes removed)."""
    values = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        name, _sep, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values

"""PDF documents for people (vouchers, reports), made with fpdf2.

DejaVu Sans (Debian's ``fonts-dejavu-core``, installed by ``make``) covers accents, the euro
sign and the narrow space between thousands. Without it the document falls back on the core
Helvetica font, which is Latin-1 only: :meth:`DocumentPdf.text_of` then spells the euro sign
``EUR`` and replaces what Latin-1 lacks.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


class DocumentPdf(FPDF):
    """An A4 document; write with ``self.family_name`` and pass texts through ``text_of``."""

    def __init__(self) -> None:
        super().__init__(format="A4")
        regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            self.add_font("DejaVu", "", str(regular))
            self.add_font("DejaVu", "B", str(bold))
            self.family_name, self.unicode = "DejaVu", True
        else:
            self.family_name, self.unicode = "Helvetica", False
        self.set_auto_page_break(True, margin=15)

    def text_of(self, value: str) -> str:
        """``value`` as the current font can print it."""
        if self.unicode:
            return value
        return value.replace("€", "EUR").replace("\u202f", " ").encode("latin-1", "replace").decode("latin-1")

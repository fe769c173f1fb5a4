"""A QR code drawn with Unicode half blocks: two modules per character cell, top and bottom.

The widget paints dark modules in black on a white background whatever the terminal's
theme (styles/payments.tcss), with the quiet zone the standard asks for, so a phone can
scan it from the screen.
"""

from __future__ import annotations

import segno

from immo_connect.tui.widgets.safe import Static

_BLOCKS = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


def qr_text(data: str, *, border: int = 2) -> str:
    """``data`` as QR code text: one line per two rows of modules."""
    code = segno.make(data, error="m", micro=False)
    rows = [[bool(module) for module in row] for row in code.matrix_iter(scale=1, border=border)]
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))
    return "\n".join(
        "".join(_BLOCKS[(top, bottom)] for top, bottom in zip(rows[y], rows[y + 1], strict=True))
        for y in range(0, len(rows), 2)
    )


class QrCode(Static):
    """Shows the QR code of a link (empty until :meth:`show` is called)."""

    DEFAULT_CLASSES = "qr-code"

    def show(self, data: str) -> None:
        self.update(qr_text(data) if data else "")

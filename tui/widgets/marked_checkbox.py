"""A checkbox that shows its state with a symbol, not by colour alone (✓ ticked, empty otherwise)."""

from __future__ import annotations

from immo_connect.tui.widgets.safe import Checkbox


class MarkedCheckbox(Checkbox):
    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:
        return "✓" if self.value else " "

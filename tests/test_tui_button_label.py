"""A button whose label changes takes the new label's width at once."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Horizontal

from immo_connect.tui.widgets.safe import Button


class OneButton(App[None]):
    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Button("", id="changing")
            yield Button("Next", id="next")


async def test_a_longer_label_widens_the_button_without_another_layout() -> None:
    app = OneButton()
    async with app.run_test(size=(100, 10)) as pilot:
        await pilot.pause()
        button = app.query_one("#changing", Button)
        button.label = "Revoke the manager rights of this person"
        await pilot.pause()
        await pilot.pause()
        # The whole label on one line (with its padding), and the next button after it.
        assert button.size.width >= len("Revoke the manager rights of this person")
        assert app.query_one("#next", Button).region.x >= button.region.right

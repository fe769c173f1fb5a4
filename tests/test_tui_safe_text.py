"""People's text is text: widgets never read it as markup, control characters stay harmless.

The first tests read the sources: every screen and built-in tool screen builds its text
widgets from ``immo_connect.tui.widgets.safe``, so a new screen cannot forget it. The others
draw the safe widgets with hostile text and read what would be sent to the terminal.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from textual.app import App, ComposeResult

from immo_connect.tui.widgets.safe import (
    Button,
    Checkbox,
    DataTable,
    Input,
    Label,
    Option,
    OptionList,
    RadioButton,
    Select,
    Static,
    TabPane,
    assemble,
    literal_text,
    printable,
)
from tests.support.tui import foreign_controls, terminal_output

ROOT = Path(__file__).resolve().parents[1]
SAFE_MODULE = ROOT / "tui" / "widgets" / "safe.py"
# Textual widgets that take no text of their own (or only the project's fixed texts).
TEXTUAL_WIDGETS_WITHOUT_TEXT = frozenset({
    "Footer", "RadioSet", "TabbedContent", "TextArea", "Markdown", "Rule", "LoadingIndicator",
    "ContentSwitcher", "ProgressBar",
})
# Ways around the safe widgets: markup parsing and titles drawn as markup.
FORBIDDEN_CALLS = frozenset({"from_markup", "render_str"})
FORBIDDEN_ATTRIBUTES = frozenset({"border_title", "border_subtitle"})

HOSTILE = (
    "[b]x[/i] Agent [/] [@click=app.screenshot('x.svg','/tmp/x')]Voir[/] [@click=app.quit]"
    " \x1b[2J\x1b]0;title\x07\x07\x00\x9b\u202e end"
)


def _sources() -> list[Path]:
    return [path for folder in ("tui", "plugins") for path in sorted((ROOT / folder).rglob("*.py"))
            if path != SAFE_MODULE]


def _bypasses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual.widgets"):
            for alias in node.names:
                allowed = (node.module == "textual.widgets" and alias.name in TEXTUAL_WIDGETS_WITHOUT_TEXT) or (
                    node.module == "textual.widgets._footer" and alias.name == "FooterKey")
                if not allowed:
                    found.append(f"{where}:{node.lineno} imports {alias.name} from {node.module}")
        elif isinstance(node, ast.Import) and any(a.name.startswith("textual.widgets") for a in node.names):
            found.append(f"{where}:{node.lineno} imports textual.widgets as a module")
        elif isinstance(node, ast.keyword) and node.arg == "markup" and not (
                isinstance(node.value, ast.Constant) and node.value.value is False):
            found.append(f"{where}:{node.value.lineno} passes markup={ast.unparse(node.value)}")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_CALLS:
            found.append(f"{where}:{node.lineno} calls {node.attr}")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES and isinstance(node.ctx, ast.Store):
            found.append(f"{where}:{node.lineno} sets {node.attr}")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "TabbedContent" and node.args:
            found.append(f"{where}:{node.lineno} gives TabbedContent titles (use safe TabPane)")
    return found


def test_screens_and_tool_screens_build_text_widgets_from_the_safe_module() -> None:
    bypasses = [line for path in _sources() for line in _bypasses(path)]
    assert bypasses == [], "build text widgets from immo_connect.tui.widgets.safe"


def test_the_source_check_catches_a_stock_label_and_markup(tmp_path: Path) -> None:
    bad = tmp_path / "screen.py"
    bad.write_text(
        "from textual.widgets import Label, Footer\n"
        "from textual.content import Content\n"
        "x = Label('a', markup=True)\n"
        "y = Content.from_markup('[b]a')\n"
        "x.border_title = 'a'\n", encoding="utf-8")
    assert sorted(line.split(" ", 1)[1] for line in _bypasses(bad)) == [
        "calls from_markup", "imports Label from textual.widgets", "passes markup=True", "sets border_title"]


def test_printable_keeps_the_length_and_shows_every_control_character() -> None:
    shown = printable(HOSTILE)
    assert len(shown) == len(HOSTILE)
    assert "␛[2J" in shown and "␇" in shown and "␀" in shown
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", shown)
    assert printable("Rue de l'Église 5\nbte 2") == "Rue de l'Église 5\nbte 2"


class HostileApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.quit_requested = False

    def compose(self) -> ComposeResult:
        yield Label(HOSTILE, id="label")
        yield Static(HOSTILE, id="static")
        yield Button(HOSTILE)
        yield Checkbox(HOSTILE)
        yield RadioButton(HOSTILE)
        table: DataTable[object] = DataTable()
        table.add_columns(HOSTILE, "b")
        table.add_row(HOSTILE, literal_text(HOSTILE))
        yield table
        yield OptionList(HOSTILE, Option(HOSTILE, id="x"))
        yield Select([(HOSTILE, 1)])
        yield Input(HOSTILE)
        yield Static(assemble(("Heading", "bold"), ": ", HOSTILE))
        yield TabPane(HOSTILE)

    def action_quit(self) -> None:  # type: ignore[override]
        self.quit_requested = True

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        raise AssertionError("an action hidden in text ran")


async def test_hostile_text_is_shown_literally_and_runs_nothing() -> None:
    app = HostileApp()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.click("#label", offset=(22, 0))  # on « Voir », the would-be link
        await pilot.click("#static", offset=(40, 0))
        await pilot.pause()
        output = terminal_output(app)
        assert foreign_controls(output) == []
        assert "[@click=app.quit]" in output and "Agent [/]" in output and "␛[2J" in output
        assert not app.quit_requested

"""The photo window of the profile's edit mode (manual 2.1.1): open an image, frame it, "Charger".

The preview shows the square that will be kept; with the preview focused, the arrow keys
move it and + / - zoom. "Charger" crops and resizes the photo and hands it back to the
profile, which stores it only with "Sauvegarder les modifications".
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import token_of
from immo_connect.tui.widgets.account_forms import FormMessage, draw_photo
from immo_connect.tui.widgets.safe import Button, Input, Label, Static
from immo_connect.tui.widgets.uploads import UploadFolder, list_uploads, remote_session

PREVIEW_COLUMNS = 32
MOVE_STEPS = 10  # one key press moves the square by a tenth of its side
ZOOM_STEP = 1.25


def _open(app: Any, token: str, typed: str) -> tuple[bytes, int, int]:
    from immo_connect.accounts import photo

    accounts = app.platform.accounts
    data = accounts.read_photo_file(accounts.current(token), typed)
    width, height = photo.size_of(data)
    return data, width, height


def _preview(data: bytes, crop: Any) -> Any:
    from immo_connect.accounts import photo

    return photo.preview(data, crop, PREVIEW_COLUMNS)


def _prepare(data: bytes, crop: Any) -> bytes:
    from immo_connect.accounts import photo

    return photo.prepare(data, crop)


class PhotoPreview(Static, can_focus=True):
    BINDINGS = [
        Binding("left", "move(-1, 0)", N_("Move the frame left"), id="photo-left"),
        Binding("right", "move(1, 0)", N_("Move the frame right"), id="photo-right"),
        Binding("up", "move(0, -1)", N_("Move the frame up"), id="photo-up"),
        Binding("down", "move(0, 1)", N_("Move the frame down"), id="photo-down"),
        Binding("plus,equals_sign", "zoom(1)", N_("Zoom in"), id="photo-zoom-in", key_display="+"),
        Binding("minus", "zoom(-1)", N_("Zoom out"), id="photo-zoom-out", key_display="-"),
    ]

    def action_move(self, dx: int, dy: int) -> None:
        self.screen.move_frame(dx, dy)  # type: ignore[attr-defined]

    def action_zoom(self, direction: int) -> None:
        self.screen.zoom_frame(direction)  # type: ignore[attr-defined]


class PhotoScreen(ServiceHandlers, ModalScreen[bytes | None]):
    CSS_PATH = "../../styles/accounts.tcss"
    DEFAULT_CLASSES = "accounts"
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="photo-cancel")]

    def __init__(self) -> None:
        super().__init__()
        self.data: bytes | None = None
        self.image_size = (0, 0)
        self.crop: Any = None
        self.path = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="photo-dialog"):
            yield Label(_("Your photo"), classes="title")
            if remote_session(self.app):
                from immo_connect.uploads import sftp_command

                yield UploadFolder(sftp_command(self.app.settings), id="photo-uploads")  # type: ignore[attr-defined]
                yield Label(_("Name of an image file in your upload folder (JPEG, PNG…)"))
                yield Input(id="photo-path", placeholder="photo.jpg")
            else:
                yield Label(_("Path of an image file (JPEG, PNG…)"))
                yield Input(id="photo-path", placeholder="~/Images/photo.jpg")
            yield Button(_("Open"), id="photo-open")
            yield Label(_("Frame: arrow keys move it, + and - zoom (when the preview is selected)."))
            yield PhotoPreview(_("No image opened yet."), id="photo-preview")
            yield Label("", id="photo-frame")
            with Horizontal(classes="buttons"):
                yield Button(_("Load"), id="photo-load", variant="primary", disabled=True)
                yield Button(_("Cancel"), id="photo-cancel")
            yield FormMessage(id="photo-message")

    def on_mount(self) -> None:
        self.query_one("#photo-path", Input).focus()
        if self.query("#photo-uploads"):
            call_service(self, "photo-uploads", list_uploads, self.app, token_of(self.app),
                         on_done=self.query_one(UploadFolder).show, on_error=self._refused)

    def on_upload_folder_picked(self, event: UploadFolder.Picked) -> None:
        event.stop()
        self.query_one("#photo-path", Input).value = event.name
        self._open()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._open()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "photo-open":
            self._open()
        elif event.button.id == "photo-load":
            self._load()
        elif event.button.id == "photo-cancel":
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _open(self) -> None:
        self.path = self.query_one("#photo-path", Input).value
        self.query_one(FormMessage).update(_("Opening…"))
        call_service(self, "photo-open", _open, self.app, token_of(self.app), self.path, on_done=self._opened, on_error=self._refused)

    def _opened(self, result: tuple[bytes, int, int]) -> None:
        from immo_connect.accounts.photo import CropBox

        self.data, width, height = result
        self.image_size = (width, height)
        self.crop = CropBox.centred(width, height)
        self.query_one("#photo-load", Button).disabled = False
        self.query_one(FormMessage).ok(_("Image opened ({width} × {height} pixels).").format(width=width, height=height))
        self._refresh_preview()
        self.query_one(PhotoPreview).focus()

    def _refresh_preview(self) -> None:
        if self.data is None or self.crop is None:
            return
        crop = self.crop
        self.query_one("#photo-frame", Label).update(
            _("Kept square: {side} pixels from ({left}, {top}).").format(side=crop.side, left=crop.left, top=crop.top))
        call_service(self, "photo-preview", _preview, self.data, crop, on_done=self._draw, on_error=self._refused)

    def _draw(self, pixels: Any) -> None:
        self.query_one(PhotoPreview).update(draw_photo(pixels))

    def move_frame(self, dx: int, dy: int) -> None:
        if self.crop is None:
            return
        step = max(1, self.crop.side // MOVE_STEPS)
        self.crop = self.crop.moved(dx * step, dy * step, *self.image_size)
        self._refresh_preview()

    def zoom_frame(self, direction: int) -> None:
        if self.crop is None:
            return
        self.crop = self.crop.zoomed(ZOOM_STEP if direction > 0 else 1 / ZOOM_STEP, *self.image_size)
        self._refresh_preview()

    def _load(self) -> None:
        if self.data is None:
            return
        self.query_one(FormMessage).update(_("Preparing the photo…"))
        call_service(self, "photo-load", _prepare, self.data, self.crop,
                     on_done=self.dismiss, on_error=self._refused)

    def _refused(self, error: ImmoConnectError) -> None:
        self.query_one(FormMessage).error(error)

"""The photo window in a session served over SSH: files come from the upload folder only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PIL import Image
from textual import events
from textual.widgets import Input, OptionList

from immo_connect import uploads
from immo_connect.platform import Platform
from immo_connect.tui.remote import RemoteApp
from immo_connect.tui.screens.accounts.photo import PhotoScreen
from tests.support.factories import make_account
from tests.support.tui import settle, sign_in

SIZE = (120, 50)


async def test_the_photo_window_over_ssh_lists_the_upload_folder_and_refuses_server_paths(
    make_platform: Callable[..., Platform], tmp_path: Path,
) -> None:
    platform = make_platform(source="ssh:192.0.2.7", config_text='[ssh]\npublic_address = "immo.example.be:2222"\n')
    anne = make_account("anne.peeters")
    Image.new("RGB", (60, 40), (200, 30, 30)).save(uploads.upload_folder(platform.settings, anne.id) / "moi.png")
    secret = tmp_path / "server-only.png"
    Image.new("RGB", (30, 20), (0, 0, 200)).save(secret)
    app = RemoteApp(platform)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        sign_in(app, anne)
        screen = PhotoScreen()
        app.push_screen(screen)
        await settle(pilot)
        help_text = str(screen.query_one(".upload-help").render())
        assert "sftp -P 2222 immo.example.be" in help_text
        files = screen.query_one(".upload-files", OptionList)
        assert files.option_count == 1 and str(files.get_option_at_index(0).prompt) == "moi.png"
        path = screen.query_one("#photo-path", Input)
        path.focus()
        path.value = ""
        path.post_message(events.Paste(str(secret)))
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.data is None
        refusal = str(screen.query_one("#photo-message").render())
        assert "server-only.png" in refusal and "sftp -P 2222 immo.example.be" in refusal
        assert str(tmp_path) not in refusal
        files.focus()
        files.highlighted = 0
        await pilot.press("enter")
        await settle(pilot)
        assert screen.image_size == (60, 40)
        assert path.value == "moi.png"

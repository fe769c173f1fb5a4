"""The upload folder, shown where a person gives an image file in a session over SSH.

Over SSH the platform reads only files of the person's upload folder on the server
(:mod:`immo_connect.uploads`): this says in one sentence how to put a file there and lists
the files found, to pick from.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message

from immo_connect.i18n import _
from immo_connect.tui.widgets.safe import Label, Option, OptionList


def remote_session(app: Any) -> bool:
    """True when the platform reads files only from the upload folder (the core decides)."""
    from immo_connect import uploads

    platform = getattr(app, "platform", None)
    return platform is None or uploads.is_remote(platform)


def list_uploads(app: Any, token: str) -> list[str]:
    accounts = app.platform.accounts
    names: list[str] = accounts.uploaded_files(accounts.current(token))
    return names


class UploadFolder(Vertical):
    """How to upload (the sftp command) and the files in the person's upload folder."""

    DEFAULT_CSS = ("UploadFolder { height: auto; } UploadFolder OptionList { max-height: 8; } "
                   "UploadFolder .hidden { display: none; }")

    class Picked(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, command: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.command = command
        self.names: list[str] = []

    def compose(self) -> ComposeResult:
        yield Label(_("Over SSH, put the file in your upload folder on the server with « {command} » "
                      "then « put FILE », and pick it below or type its name.").format(command=self.command),
                    classes="upload-help")
        yield Label(_("Looking in your upload folder…"), classes="upload-empty")
        yield OptionList(classes="upload-files hidden")

    def show(self, names: list[str]) -> None:
        self.names = list(names)
        files = self.query_one(".upload-files", OptionList)
        files.clear_options()
        files.add_options([Option(name, id=f"upload-{index}") for index, name in enumerate(names)])
        files.set_class(not names, "hidden")
        self.query_one(".upload-empty", Label).update("" if names else _("Your upload folder is empty."))
        self.query_one(".upload-empty", Label).set_class(bool(names), "hidden")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = int(str(event.option.id).removeprefix("upload-"))
        self.post_message(self.Picked(self.names[index]))

"""The few HTML pages the provider shows a browser. Every dynamic text is escaped.

No page ever asks for a password: a browser is only told which code to type in the
terminal UI of Immo-Connect, and waits for the approval there.
"""

from __future__ import annotations

import html

from starlette.responses import HTMLResponse

from immo_connect.i18n import _


def page(title: str, body: str, *, status: int = 200, refresh_seconds: int | None = None) -> HTMLResponse:
    refresh = f'<meta http-equiv="refresh" content="{refresh_seconds}">' if refresh_seconds else ""
    document = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{refresh}<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em;line-height:1.5}"
        ".code{font-family:monospace;font-size:2em;letter-spacing:.15em}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status, headers={"Cache-Control": "no-store"})


def paragraph(text: str, css: str = "") -> str:
    attribute = f' class="{css}"' if css else ""
    return f"<p{attribute}>{html.escape(text)}</p>"


def enter_code(tool_title: str, user_code: str, *, notice: str = "", refresh_seconds: int | None = 3) -> HTMLResponse:
    """The page of a browser waiting for its approval in the terminal UI."""
    body = (paragraph(notice) if notice else "") + "".join((
        paragraph(_("{tool} asks to sign you in with Immo-Connect.").format(tool=tool_title)),
        paragraph(_("In the Immo-Connect terminal, choose « Connect a tool » and type this code:")),
        paragraph(user_code, "code"),
        paragraph(_("Approve only a code you asked for yourself, on this page. This page continues by itself.")),
    ))
    return page(_("Sign in with Immo-Connect"), body, refresh_seconds=refresh_seconds)


def device_help() -> HTMLResponse:
    """``verification_uri``: where a tool's code is typed (the terminal UI, never a web page)."""
    body = "".join((
        paragraph(_("Codes shown by a tool are typed in the Immo-Connect terminal, not on a web page.")),
        paragraph(_("Open Immo-Connect, choose « Connect a tool » on the home screen (or in the command palette), "
                    "type the code and choose the quality the tool may use.")),
    ))
    return page(_("Connect a tool"), body)


def error(title: str, message: str, *, status: int = 400) -> HTMLResponse:
    return page(title, paragraph(message), status=status)

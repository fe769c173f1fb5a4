"""The eID answer's way back: the signer fetches a challenge by its short code and posts the answer.

Web eID, the third way: ``GET /eid/web/{code}`` is a page whose script asks the Web eID
browser extension to ``authenticate`` the challenge's nonce, and posts the token to
``POST /eid/web/{code}/token``; ``GET /eid/web-eid.js`` is that script.

``GET /eid/{code}`` gives the long challenge to sign; ``POST /eid/{code}/answer`` takes the
signed answer (the ``ICT1.`` text as the body), verifies it and links the card to the
account the challenge was issued to. The remote screen, waiting, sees the outcome in the
database. Both answer JSON: ``{"challenge": …}`` / ``{"status": "linked"}``, or
``{"error": code, "message": words}`` with a 4xx status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _
from immo_connect.storage import transaction
from immo_connect.web.app import source_of

if TYPE_CHECKING:
    from immo_connect.web.app import WebApp

MAX_ANSWER = 64 * 1024  # an answer is about 10 KB
# Unknown codes one address may try in a window: a person mistypes once or twice, and the
# limit keeps anyone from guessing a live code of someone else's challenge.
UNKNOWN_CODES_PER_SOURCE = 10
UNKNOWN_CODE_WINDOW = dt.timedelta(minutes=10)

T = TypeVar("T")


def _refusal(error: ImmoConnectError) -> Response:
    if error.code == "eid.too_many_codes":
        return JSONResponse({"error": error.code, "message": str(error)}, status_code=429)
    status = 404 if error.code in {"eid.code_unknown", "eid.challenge_invalid"} else 409 if error.code in {
        "eid.token_used", "eid.challenge_replaced", "eid.token_expired"} else 400
    return JSONResponse({"error": error.code, "message": str(error)}, status_code=status)


class EidEndpoints:
    def __init__(self, web: WebApp) -> None:
        self.web = web

    def _counted(self, source: str, call: Callable[..., T], *args: object) -> T:
        """Run ``call``; each unknown code counts against the caller's address."""
        from immo_connect.accounts import ratelimit

        platform = self.web.platform
        subject = ratelimit.subject(platform.settings.secret_key, "eid-code", source)
        now = platform.clock.now()
        if ratelimit.count("eid_code", subject, now - UNKNOWN_CODE_WINDOW) >= UNKNOWN_CODES_PER_SOURCE:
            raise ImmoConnectError(
                _("Too many unknown codes were tried from this address. Nothing was changed."),
                hint=_("Wait ten minutes, then run the command shown on the Immo-Connect screen."),
                code="eid.too_many_codes",
            )
        try:
            return call(*args)
        except ImmoConnectError as error:
            if error.code == "eid.code_unknown":
                with transaction():
                    ratelimit.hit("eid_code", subject, now)
            raise

    async def challenge(self, request: Request) -> Response:
        code = request.path_params["code"]
        try:
            text = await self.web._run(self._counted, source_of(request), self.web.platform.eid.challenge_for_code,
                                       code)
        except ImmoConnectError as error:
            return _refusal(error)
        return JSONResponse({"challenge": text})

    async def answer(self, request: Request) -> Response:
        code = request.path_params["code"]
        body = await request.body()
        if len(body) > MAX_ANSWER:
            return JSONResponse({"error": "eid.token_invalid", "message": "answer too large"}, status_code=413)
        try:
            await self.web._run(self._counted, source_of(request), self.web.platform.eid.post_answer, code,
                                body.decode("utf-8", "replace"))
        except ImmoConnectError as error:
            return _refusal(error)
        return JSONResponse({"status": "linked"})

    async def web_eid_page(self, request: Request) -> Response:
        from immo_connect.web import pages

        code = request.path_params["code"]
        try:
            nonce = await self.web._run(self._counted, source_of(request), self.web.platform.eid.web_eid_nonce, code)
        except ImmoConnectError as error:
            return pages.error(_("Link your eID in the browser"), str(error), status=404)
        return web_eid_page(code, nonce)

    async def web_eid_script(self, request: Request) -> Response:
        from importlib import resources

        script = resources.files("immo_connect.web").joinpath("static/web-eid.js").read_text(encoding="utf-8")
        return Response(script, media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

    async def web_eid_token(self, request: Request) -> Response:
        code = request.path_params["code"]
        body = await request.body()
        if len(body) > MAX_ANSWER:
            return JSONResponse({"error": "eid.token_invalid", "message": "token too large"}, status_code=413)
        try:
            await self.web._run(self._counted, source_of(request), self.web.platform.eid.post_web_eid, code, body)
        except ImmoConnectError as error:
            return _refusal(error)
        return JSONResponse({"status": "linked"})


def web_eid_page(code: str, nonce: str) -> HTMLResponse:
    """The page that has the Web eID extension sign the challenge; every dynamic text escaped."""
    import html

    from immo_connect.eid import shortcode
    from immo_connect.web import pages

    def attribute(name: str, value: str) -> str:
        return f' data-{name}="{html.escape(value, quote=True)}"'

    canonical = shortcode.normalise(code)
    data = "".join((
        attribute("nonce", nonce), attribute("answer", f"/eid/web/{canonical}/token"),
        attribute("working", _("Follow the Web eID window: choose your card and type your PIN…")),
        attribute("linked", _("✓ Your eID card is linked. The Immo-Connect screen shows it by itself.")),
        attribute("failed", _("The card could not sign. Nothing was changed. Try again, or use the command "
                              "shown on the Immo-Connect screen.")),
        attribute("noextension", _("The Web eID extension does not answer in this browser. Install it from "
                                   "https://web-eid.eu and the eID software from https://eid.belgium.be, then "
                                   "reload this page; or use the command shown on the Immo-Connect screen.")),
    ))
    body = "".join((
        pages.paragraph(_("Code shown on your Immo-Connect screen:")),
        pages.paragraph(shortcode.grouped(canonical), "code"),
        pages.paragraph(_("Check that it is the code on your screen, insert your eID card in the reader, then "
                          "sign. Your browser's Web eID extension asks for your PIN.")),
        f'<div id="webeid"{data}><p><button id="webeid-sign" type="button">'
        f'{html.escape(_("Sign with my eID card"))}</button></p>'
        '<p id="webeid-status" role="status"></p></div>',
        '<script src="/eid/web-eid.js"></script>',
    ))
    return pages.page(_("Link your eID in the browser"), body)

"""The eID answer's way back: the signer fetches a challenge by its short code and posts the answer.

``GET /eid/{code}`` gives the long challenge to sign; ``POST /eid/{code}/answer`` takes the
signed answer (the ``ICT1.`` text as the body), verifies it and links the card to the
account the challenge was issued to. The remote screen, waiting, sees the outcome in the
database. Both answer JSON: ``{"challenge": …}`` / ``{"status": "linked"}``, or
``{"error": code, "message": words}`` with a 4xx status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from immo_connect.errors import ImmoConnectError

if TYPE_CHECKING:
    from immo_connect.web.app import WebApp

MAX_ANSWER = 64 * 1024  # an answer is about 10 KB


def _refusal(error: ImmoConnectError) -> Response:
    status = 404 if error.code in {"eid.code_unknown", "eid.challenge_invalid"} else 409 if error.code in {
        "eid.token_used", "eid.challenge_replaced", "eid.token_expired"} else 400
    return JSONResponse({"error": error.code, "message": str(error)}, status_code=status)


class EidEndpoints:
    def __init__(self, web: WebApp) -> None:
        self.web = web

    async def challenge(self, request: Request) -> Response:
        code = request.path_params["code"]
        try:
            text = await self.web._run(self.web.platform.eid.challenge_for_code, code)
        except ImmoConnectError as error:
            return _refusal(error)
        return JSONResponse({"challenge": text})

    async def answer(self, request: Request) -> Response:
        code = request.path_params["code"]
        body = await request.body()
        if len(body) > MAX_ANSWER:
            return JSONResponse({"error": "eid.token_invalid", "message": "answer too large"}, status_code=413)
        try:
            await self.web._run(self.web.platform.eid.post_answer, code, body.decode("utf-8", "replace"))
        except ImmoConnectError as error:
            return _refusal(error)
        return JSONResponse({"status": "linked"})

"""Where mails go: an SMTP server (aiosmtplib) or a local maildir.

A transport takes a batch of MIME messages and returns one outcome per message: ``None``
when delivered, else the exception. SMTP sends a batch over one connection.
"""

from __future__ import annotations

import asyncio
import mailbox
import ssl
import threading
from collections.abc import Coroutine, Sequence
from email.message import Message
from pathlib import Path
from typing import Any, Protocol, TypeVar

from immo_connect.config import MailSection, Settings

T = TypeVar("T")


class Transport(Protocol):
    name: str

    def send(self, mails: Sequence[Message]) -> list[BaseException | None]: ...


def is_permanent(error: BaseException) -> bool:
    """A 5xx answer will not change on retry (unknown mailbox, refused sender)."""
    import aiosmtplib

    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(getattr(r, "code", 0) >= 500 for r in error.recipients)
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return False  # a configuration fault: fixing it must not lose the mails
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return 500 <= error.code < 600
    return False


def describe(error: BaseException) -> str:
    """One line for ``last_error``: the error class and its message, without bodies."""
    text = " ".join(str(error).split()) or "no details"
    return f"{type(error).__name__}: {text}"[:500]


def maildir_path(settings: Settings) -> Path:
    return (settings.mail.maildir or settings.data_dir / "maildir").expanduser()


class MaildirTransport:
    name = "maildir"

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, mails: Sequence[Message]) -> list[BaseException | None]:
        results: list[BaseException | None] = []
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            box = mailbox.Maildir(self.path, create=True)
        except OSError as error:
            return [error] * len(mails)
        for mail in mails:
            try:
                box.add(mail)
                results.append(None)
            except OSError as error:
                results.append(error)
        return results


class SmtpTransport:
    name = "smtp"

    def __init__(self, section: MailSection) -> None:
        self.section = section

    def _client(self) -> Any:
        import aiosmtplib

        section = self.section
        context = None
        if section.security != "none":
            context = ssl.create_default_context(cafile=str(section.ca_file) if section.ca_file else None)
        return aiosmtplib.SMTP(
            hostname=section.host, port=section.port, timeout=section.timeout_seconds,
            use_tls=section.security == "tls", start_tls=section.security == "starttls",
            tls_context=context,
        )

    async def _send_all(self, mails: Sequence[Message]) -> list[BaseException | None]:
        import aiosmtplib

        client = self._client()
        try:
            await client.connect()
            if self.section.username:
                await client.login(self.section.username, str(self.section.password or ""))
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as error:
            client.close()
            return [error] * len(mails)
        results: list[BaseException | None] = []
        broken: BaseException | None = None
        for mail in mails:
            if broken is not None:
                results.append(broken)
                continue
            try:
                await client.send_message(mail)
                results.append(None)
            except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as error:
                broken = error  # the connection is gone: the rest of the batch waits for a retry
                results.append(error)
            except aiosmtplib.SMTPException as error:
                results.append(error)
                try:
                    await client.rset()
                except (aiosmtplib.SMTPException, OSError) as reset_error:
                    broken = reset_error
        try:
            if broken is None:
                await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            pass
        finally:
            client.close()
        return results

    def send(self, mails: Sequence[Message]) -> list[BaseException | None]:
        return run_coroutine(self._send_all(mails))


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion from synchronous code, even under a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coroutine)
        except BaseException as error:  # noqa: BLE001 - handed back to the caller's thread
            box["error"] = error

    thread = threading.Thread(target=target, name="immo-connect-smtp")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    result: T = box["value"]
    return result


def transport_for(settings: Settings) -> Transport:
    if settings.mail.transport == "smtp":
        return SmtpTransport(settings.mail)
    return MaildirTransport(maildir_path(settings))

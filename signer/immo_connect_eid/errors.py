"""What can go wrong on the laptop, each as one clear message and a hint.

Every problem has a stable ``code`` (``eid.no_reader``…). The modules of this package
never name an error class: they ask :func:`problem` for the error of a code and catch with
:func:`kind`. On a laptop these are the classes below, worded for the person at the
keyboard. A program that embeds these modules (the Immo-Connect platform) registers its
own classes for the same codes with :func:`use`, so the same code raises its errors.
``detail`` is technical English for logs; it never holds a PIN or a national number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from immo_connect_eid.i18n import _


class SignerError(Exception):
    code = "eid"

    def __init__(self, message: str, *, hint: str = "", code: str | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.detail = detail
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


def _simple(code: str, message: str, hint: str) -> type[SignerError]:
    """A class whose ``make(detail=…)`` gives one fixed message (translated when raised)."""

    class Simple(SignerError):
        @classmethod
        def make(cls, detail: str = "") -> SignerError:
            return cls(_(message), hint=_(hint), detail=detail)

    Simple.code = code
    Simple.__name__ = Simple.__qualname__ = "".join(part.title() for part in code.rsplit(".", maxsplit=1)[-1].split("_"))
    return Simple


# Texts are marked for extraction with N_ (the same English text is the catalog's msgid).
def N_(text: str) -> str:
    return text


class NoReader(SignerError):
    code = "eid.no_reader"

    @classmethod
    def make(cls, *, service_down: bool = False, detail: str = "") -> NoReader:
        if service_down:
            return cls(_("The smart card service of this computer is not running, so no card reader can be used."),
                       hint=_("Install the eID software (it brings the smart card service), connect your card "
                              "reader and try again. On Linux: sudo systemctl start pcscd."), detail=detail)
        return cls(_("No card reader was found."),
                   hint=_("Connect your card reader to this computer and try again."), detail=detail)


class WrongPin(SignerError):
    code = "eid.wrong_pin"

    @classmethod
    def make(cls, *, last_try: bool = False, detail: str = "") -> WrongPin:
        hint = (_("Careful: one more wrong PIN blocks the card. Check your PIN and try again.") if last_try
                else _("Check your PIN and try again; after three wrong PINs the card is blocked."))
        return cls(_("The PIN code is wrong. Nothing was changed."), hint=hint, detail=detail)


class MiddlewareMissing(SignerError):
    code = "eid.middleware"

    @classmethod
    def make(cls, path: str, *, on_laptop: bool = True) -> MiddlewareMissing:
        return cls(_("The eID software is not installed on this computer (its module {path} is missing).").format(
            path=path or "-"),
            hint=_("Install the eID software from https://eid.belgium.be, restart the computer if asked, "
                   "then run the command again."))


class PlatformUnreachable(SignerError):
    code = "eid.platform_unreachable"

    @classmethod
    def make(cls, address: str, detail: str = "") -> PlatformUnreachable:
        return cls(_("The Immo-Connect platform could not be reached at {address}.").format(address=address or "-"),
                   hint=_("Check this computer's Internet connection and the address in the command, "
                          "then run it again."), detail=detail)


class PlatformAddress(SignerError):
    code = "eid.platform_address"

    @classmethod
    def make(cls, address: str) -> PlatformAddress:
        return cls(_("The platform address {address} is not a secure web address (https://…).").format(
            address=address or "-"),
            hint=_("Copy the whole command shown on the Immo-Connect screen and run it again."))


class Refused(SignerError):
    """The platform's own words for a refused answer (already in the user's language)."""

    code = "eid.refused"

    @classmethod
    def make(cls, message: str, code: str) -> Refused:
        return cls(message, code=code or cls.code)


class SoftwareMissing(SignerError):
    code = "extra_missing"

    @classmethod
    def make(cls, extra: str = "eid", *, detail: str = "") -> SoftwareMissing:
        return cls(_("A part of the eID signer is missing ({detail}).").format(detail=detail or extra),
                   hint=_("Install it again with: pipx install --force immo-connect-eid"), detail=detail)


_SIMPLE = [
    _simple("eid.no_card", N_("There is no eID card in the card reader."),
            N_("Insert your identity card, chip first, and try again.")),
    _simple("eid.not_eid", N_("The card in the reader is not a Belgian identity card."),
            N_("Insert your Belgian eID card and try again.")),
    _simple("eid.card_removed", N_("The card was removed while it was being read. Nothing was changed."),
            N_("Leave the card in the reader until the end, then try again.")),
    _simple("eid.read_failed", N_("The card could not be read. Nothing was changed."),
            N_("Take the card out, insert it again and retry; if it keeps failing, try another reader.")),
    _simple("eid.malformed", N_("The data on the card is damaged or incomplete, so it cannot be trusted. "
                                "Nothing was changed."),
            N_("Try again; if it persists, your card may be damaged: contact your municipality.")),
    _simple("eid.pin_blocked", N_("The PIN code of this card is blocked. Nothing was changed."),
            N_("Unblock it at your municipality with the PUK code you received with the card.")),
    _simple("eid.cancelled", N_("The PIN entry was cancelled. Nothing was changed."),
            N_("Try again and confirm the PIN on the card reader.")),
    _simple("eid.pkcs11", N_("The eID software could not use the card. Nothing was changed."),
            N_("Take the card out, insert it again and retry; if it keeps failing, restart the computer "
               "with the card in the reader.")),
    _simple("eid.token_invalid", N_("The answer is incomplete or damaged. Nothing was changed."),
            N_("Run the command shown on the Immo-Connect screen again.")),
    _simple("eid.challenge_invalid", N_("The challenge is incomplete or damaged."),
            N_("Copy the whole command shown on the Immo-Connect screen and run it again.")),
    _simple("eid.token_expired", N_("The challenge has expired. Nothing was changed."),
            N_("Ask for a new challenge on the Immo-Connect screen and run its command within a few minutes.")),
]


class PinFormat(SignerError):
    code = "eid.pin_format"

    @classmethod
    def make(cls) -> PinFormat:
        return cls(_("The PIN code has 4 to 12 digits."), hint=_("Type the PIN of your identity card (digits only)."))


class NoPinpad(SignerError):
    code = "eid.no_pinpad"

    @classmethod
    def make(cls) -> NoPinpad:
        return cls(_("This card reader has no keypad for the PIN."),
                   hint=_("Run the command without --pinpad and type your PIN on the keyboard."))


_OWN: tuple[type[SignerError], ...] = (NoReader, WrongPin, MiddlewareMissing, PlatformUnreachable, PlatformAddress,
                                       Refused, SoftwareMissing, PinFormat, NoPinpad, *_SIMPLE)
_classes: dict[str, type[Exception]] = {cls.code: cls for cls in _OWN}
CODES = frozenset(_classes)


def use(classes: Iterable[type[Exception]]) -> None:
    """Raise these classes (each with a ``code`` and a ``make`` like the ones here) for their codes."""
    for cls in classes:
        code = cast(Any, cls).code
        if code not in CODES:
            raise ValueError(f"no eID problem has the code {code!r}")
        _classes[code] = cls


def kind(code: str) -> type[Exception]:
    """The class raised for ``code`` (to catch it)."""
    return _classes[code]


def problem(code: str, *args: Any, **params: Any) -> Exception:
    """The error to raise for ``code``, made by its class."""
    made: Exception = cast(Any, _classes[code]).make(*args, **params)
    return made

"""What can go wrong with an eID card, each as one clear message and a hint.

Every error is an :class:`~immo_connect.errors.ImmoConnectError` with a stable ``code`` (tests
and screens match on it). ``detail`` carries a technical English description for the log;
it never contains a national number or a PIN, and it is never shown to the user.
"""

from __future__ import annotations

from immo_connect.errors import ConfigurationError, ConflictError, ImmoConnectError, ValidationError
from immo_connect.i18n import _


class EidError(ImmoConnectError):
    code = "eid"

    def __init__(self, message: str, *, hint: str = "", code: str | None = None, detail: str = "") -> None:
        super().__init__(message, hint=hint, code=code)
        self.detail = detail


class NoReader(EidError):
    code = "eid.no_reader"

    @classmethod
    def make(cls, *, service_down: bool = False, detail: str = "") -> NoReader:
        if service_down:
            return cls(
                _("The smart card service of this computer is not running, so no card reader can be used."),
                hint=_("Start the smart card service (pcscd on Linux), connect your card reader and try again."),
                detail=detail,
            )
        return cls(
            _("No card reader was found."),
            hint=_("Connect your card reader to this computer and try again."),
            detail=detail,
        )


class NoCard(EidError):
    code = "eid.no_card"

    @classmethod
    def make(cls, detail: str = "") -> NoCard:
        return cls(
            _("There is no eID card in the card reader."),
            hint=_("Insert your identity card, chip first, and try again."),
            detail=detail,
        )


class NotAnEidCard(EidError):
    code = "eid.not_eid"

    @classmethod
    def make(cls, detail: str = "") -> NotAnEidCard:
        return cls(
            _("The card in the reader is not a Belgian identity card."),
            hint=_("Insert your Belgian eID card and try again."),
            detail=detail,
        )


class CardRemoved(EidError):
    code = "eid.card_removed"

    @classmethod
    def make(cls, detail: str = "") -> CardRemoved:
        return cls(
            _("The card was removed while it was being read. Nothing was changed."),
            hint=_("Leave the card in the reader until the end, then try again."),
            detail=detail,
        )


class CardReadFailed(EidError):
    code = "eid.read_failed"

    @classmethod
    def make(cls, detail: str = "") -> CardReadFailed:
        return cls(
            _("The card could not be read. Nothing was changed."),
            hint=_("Take the card out, insert it again and retry; if it keeps failing, try another reader."),
            detail=detail,
        )


class CardDataInvalid(EidError):
    """A card file that is truncated or not in the card's TLV format."""

    code = "eid.malformed"

    @classmethod
    def make(cls, detail: str = "") -> CardDataInvalid:
        return cls(
            _("The data on the card is damaged or incomplete, so it cannot be trusted. Nothing was changed."),
            hint=_("Try again; if it persists, your card may be damaged: contact your municipality."),
            detail=detail,
        )


class CardDataAltered(EidError):
    """A card file whose hash or signature does not match: it was changed after issuance."""

    code = "eid.altered"

    @classmethod
    def make(cls, part: str, detail: str = "") -> CardDataAltered:
        return cls(
            _("The {part} read from the card does not match the signature of the National Register. "
              "Nothing was changed.").format(part=part),
            hint=_("The card data may have been altered. Use your own, undamaged card; "
                   "if it persists, contact support."),
            detail=detail,
        )


class CertificateNotVerified(EidError):
    """The certificate chain of the card failed (manual 3.4)."""

    code = "eid.certificate"

    @classmethod
    def make(cls, reason: str, *, support_email: str, detail: str = "") -> CertificateNotVerified:
        return cls(
            _("The certificate of your identity card could not be verified: {reason}. "
              "Nothing was changed.").format(reason=reason),
            hint=_("Likely causes: the card has expired or was replaced, the card reader lost contact, "
                   "or the certificates were not yet validated. Steps: take the card out and insert it "
                   "again; restart the computer with the card left in the reader; check the certificates "
                   "in the eID Viewer (tab \"Certificates\", \"Validate now\") and run the test at "
                   "https://test.eid.belgium.be. If it still fails, contact {email} with a screenshot."
                   ).format(email=support_email),
            detail=detail,
        )


class NationalNumberMismatch(EidError):
    code = "eid.number_mismatch"

    @classmethod
    def make(cls, detail: str = "") -> NationalNumberMismatch:
        return cls(
            _("The certificate on the card belongs to another person than the identity data on the card. "
              "Nothing was changed."),
            hint=_("The card data may have been altered. Use your own, undamaged card; "
                   "if it persists, contact support."),
            detail=detail,
        )


class SignatureInvalid(EidError):
    """The challenge signature does not verify with the card's authentication certificate."""

    code = "eid.signature"

    @classmethod
    def make(cls, detail: str = "") -> SignatureInvalid:
        return cls(
            _("The card's signature could not be verified: it was not made with the key of this card. "
              "Nothing was changed."),
            hint=_("Sign with the card that was read, in the same reader, and try again."),
            detail=detail,
        )


class WrongPin(EidError):
    code = "eid.wrong_pin"

    @classmethod
    def make(cls, *, last_try: bool = False, detail: str = "") -> WrongPin:
        if last_try:
            hint = _("Careful: one more wrong PIN blocks the card. Check your PIN and try again.")
        else:
            hint = _("Check your PIN and try again; after three wrong PINs the card is blocked.")
        return cls(_("The PIN code is wrong. Nothing was changed."), hint=hint, detail=detail)


class PinBlocked(EidError):
    code = "eid.pin_blocked"

    @classmethod
    def make(cls, detail: str = "") -> PinBlocked:
        return cls(
            _("The PIN code of this card is blocked. Nothing was changed."),
            hint=_("Unblock it at your municipality with the PUK code you received with the card."),
            detail=detail,
        )


class PinFormat(ValidationError):
    code = "eid.pin_format"

    @classmethod
    def make(cls) -> PinFormat:
        return cls(
            _("The PIN code has 4 to 12 digits."),
            hint=_("Type the PIN of your identity card (digits only)."),
            field="pin",
        )


class NoPinpad(ValidationError):
    code = "eid.no_pinpad"

    @classmethod
    def make(cls) -> NoPinpad:
        return cls(
            _("This card reader has no keypad for the PIN."),
            hint=_("Untick the keypad option and type your PIN on the screen."),
            field="pin",
        )


class PinCancelled(EidError):
    code = "eid.cancelled"

    @classmethod
    def make(cls, detail: str = "") -> PinCancelled:
        return cls(
            _("The PIN entry was cancelled. Nothing was changed."),
            hint=_("Try again and confirm the PIN on the card reader."),
            detail=detail,
        )


class MiddlewareMissing(ConfigurationError):
    code = "eid.middleware"

    @classmethod
    def make(cls, path: str, *, on_laptop: bool = False) -> MiddlewareMissing:
        if on_laptop:  # the signer on the user's own computer: no plugins.toml there
            return cls(
                _("The eID software is not installed on this computer (its module {path} is missing).").format(
                    path=path or "-"),
                hint=_("Install the eID software from https://eid.belgium.be, restart the computer if asked, "
                       "then run the command again."),
            )
        return cls(
            _("The eID software (PKCS#11 module) was not found: {path}.").format(path=path or "-"),
            hint=_("Install the eID software from https://eid.belgium.be, or set pkcs11_module "
                   "in the [eid] table of plugins.toml."),
        )


class MiddlewareFailed(EidError):
    code = "eid.pkcs11"

    @classmethod
    def make(cls, detail: str = "") -> MiddlewareFailed:
        return cls(
            _("The eID software could not use the card. Nothing was changed."),
            hint=_("Take the card out, insert it again and retry; if it keeps failing, restart the computer "
                   "with the card in the reader."),
            detail=detail,
        )


class AlreadyLinkedElsewhere(ConflictError):
    """Manual 3.3: the card belongs to a person who already has an account."""

    code = "eid.linked_elsewhere"

    @classmethod
    def make(cls, support_email: str) -> AlreadyLinkedElsewhere:
        return cls(
            _("This eID card is already linked to another Immo-Connect account. Each person may have only "
              "one account, which holds the eID and the recognitions; you are probably creating a second "
              "account. Nothing was changed."),
            hint=_("Sign in with your existing account, or contact support at {email} so we can correct it."
                   ).format(email=support_email),
        )


class OtherCardLinked(ConflictError):
    code = "eid.other_card"

    @classmethod
    def make(cls, support_email: str) -> OtherCardLinked:
        return cls(
            _("Your account is already linked to the eID card of another person. Nothing was changed."),
            hint=_("Contact support at {email} if this is wrong.").format(email=support_email),
        )


class TokenInvalid(EidError):
    code = "eid.token_invalid"

    @classmethod
    def make(cls, detail: str = "") -> TokenInvalid:
        return cls(
            _("The pasted answer is incomplete or damaged. Nothing was changed."),
            hint=_("Copy the whole answer printed by \"immo-connect eid sign\" (one line) and paste it again."),
            detail=detail,
        )


class ChallengeInvalid(EidError):
    code = "eid.challenge_invalid"

    @classmethod
    def make(cls, detail: str = "") -> ChallengeInvalid:
        return cls(
            _("The challenge is incomplete or damaged."),
            hint=_("Copy the whole command shown on the Immo-Connect screen and run it again."),
            detail=detail,
        )


class TokenUnknown(EidError):
    code = "eid.token_unknown"

    @classmethod
    def make(cls, detail: str = "") -> TokenUnknown:
        return cls(
            _("The pasted answer was not made for the challenge shown on this screen. Nothing was changed."),
            hint=_("Run the command shown on this screen, with its challenge, and paste its answer here."),
            detail=detail,
        )


class TokenExpired(EidError):
    code = "eid.token_expired"

    @classmethod
    def make(cls, detail: str = "") -> TokenExpired:
        return cls(
            _("The challenge has expired. Nothing was changed."),
            hint=_("Ask for a new challenge and sign it within a few minutes."),
            detail=detail,
        )


class TokenReplayed(EidError):
    code = "eid.token_used"

    @classmethod
    def make(cls, detail: str = "") -> TokenReplayed:
        return cls(
            _("This answer was already used. Each challenge can be used only once. Nothing was changed."),
            hint=_("Ask for a new challenge and sign it again."),
            detail=detail,
        )


class ChallengeReplaced(EidError):
    code = "eid.challenge_replaced"

    @classmethod
    def make(cls, detail: str = "") -> ChallengeReplaced:
        return cls(
            _("This challenge was replaced by a newer one. Nothing was changed."),
            hint=_("Run the command shown on the Immo-Connect screen now."),
            detail=detail,
        )


class CodeUnknown(EidError):
    code = "eid.code_unknown"

    @classmethod
    def make(cls, detail: str = "") -> CodeUnknown:
        return cls(
            _("No challenge has this code. Nothing was changed."),
            hint=_("Check the code shown on the Immo-Connect screen, or ask for a new challenge there."),
            detail=detail,
        )


class PlatformUnreachable(EidError):
    code = "eid.platform_unreachable"

    @classmethod
    def make(cls, address: str, detail: str = "") -> PlatformUnreachable:
        return cls(
            _("The Immo-Connect platform could not be reached at {address}.").format(address=address or "-"),
            hint=_("Check this computer's Internet connection and the address in the command, then run it again."),
            detail=detail,
        )


class PlatformAddress(ValidationError):
    code = "eid.platform_address"

    @classmethod
    def make(cls, address: str) -> PlatformAddress:
        return cls(
            _("The platform address {address} is not a secure web address (https://…).").format(address=address or "-"),
            hint=_("Copy the whole command shown on the Immo-Connect screen and run it again."),
            field="platform",
        )


class RemoteRefusal(EidError):
    """The platform's refusal of a posted answer, in its own words (code: the platform's)."""

    code = "eid.refused"

    @classmethod
    def make(cls, message: str, code: str) -> RemoteRefusal:
        return cls(message, code=code or cls.code)


def _register() -> None:
    """The card modules (the signer's package) raise these classes in the platform."""
    from immo_connect.extras import ExtraMissing
    from immo_connect_eid import errors as card_errors

    card_errors.use([
        NoReader, NoCard, NotAnEidCard, CardRemoved, CardReadFailed, CardDataInvalid, WrongPin, PinBlocked,
        PinFormat, NoPinpad, PinCancelled, MiddlewareMissing, MiddlewareFailed, TokenInvalid, ChallengeInvalid,
        TokenExpired, PlatformUnreachable, PlatformAddress, RemoteRefusal, ExtraMissing,
    ])


_register()

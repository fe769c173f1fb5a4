"""``immo-connect-eid``: sign the challenge of an Immo-Connect screen with this computer's eID card.

``sign`` checks, in this order, what can fail without the card (the code, the platform's
address), then what this computer must have (the eID software, a reader, the card), and
only then asks the PIN, or lets the reader's keypad ask it. It writes nothing on the
computer: no settings, no data folder, no log file.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import sys
from collections.abc import Callable
from typing import TextIO

from immo_connect_eid import __version__, errors, pcsc, pkcs11, platform, shortcode
from immo_connect_eid.answer import Challenge, local_time, sign_token
from immo_connect_eid.i18n import _, language_of_computer, route_argparse_texts, set_language


@dataclasses.dataclass(frozen=True)
class SignRequest:
    challenge: str  # the short code shown on the screen, or a whole challenge (IC1-…)
    platform: str = ""  # the platform's web address (needed with a code)
    module: str = ""  # the eID PKCS#11 module (default: the official one of this OS)
    reader: str = ""  # prefer readers whose name contains this
    pinpad: bool = False  # type the PIN on the reader's keypad
    print_answer: bool = False  # print the answer instead of sending it


def sign(request: SignRequest, *, read_pin: Callable[[], str], err: TextIO = sys.stderr,
         out: TextIO = sys.stdout) -> int:
    """The whole signing, as the laptop user sees it; errors are raised (their ``code`` says which)."""
    by_code = shortcode.looks_like_code(request.challenge)
    code = shortcode.normalise(request.challenge) if by_code else ""
    address = platform.platform_address(request.platform) if by_code else ""
    if not by_code:
        Challenge.decode(request.challenge)
    # What this computer must have, still before the PIN: the eID software, a reader, the card.
    module = request.module or pkcs11.default_module_path()
    pkcs11.check_module(module, on_laptop=True)
    files = pcsc.read_card(request.reader)
    pinpad = request.pinpad or pkcs11.reader_has_pinpad(module, files.auth_cert)
    challenge_text = platform.fetch_challenge(address, code) if by_code else request.challenge.strip()
    challenge = Challenge.decode(challenge_text)
    print(_("Signing for the server {server}; the challenge is valid until {time} (Belgian time).").format(
        server=challenge.server_id, time=local_time(challenge.expires_at)), file=err)
    pin: str | None = None
    if pinpad:
        print(_("Type your PIN on the card reader's keypad."), file=err)
    else:
        pin = read_pin()
    token = sign_token(challenge_text, pin, module_path=module, files=files)
    if by_code and not request.print_answer:
        platform.post_answer(address, code, token)
        print(_("✓ Your eID card is linked. The Immo-Connect screen shows it by itself."), file=err)
        return 0
    print(_("Paste this answer into the Immo-Connect screen:"), file=err)
    print(token, file=out)
    return 0


def check(module: str = "", reader: str = "", *, out: TextIO = sys.stdout) -> int:
    """Say whether this computer is ready: the eID software, a reader, the card (no PIN)."""
    module = module or pkcs11.default_module_path()
    pkcs11.check_module(module, on_laptop=True)
    print(_("✓ eID software: {path}").format(path=module), file=out)
    with pcsc.connect(reader) as transport:
        name = transport.reader
    print(_("✓ Card reader: {name}").format(name=name), file=out)
    files = pcsc.read_card(reader)
    keypad = pkcs11.reader_has_pinpad(module, files.auth_cert)
    print(_("✓ Belgian eID card (applet {version}) seen by the eID software.").format(
        version=f"{files.applet_version >> 4}.{files.applet_version & 0xF}"), file=out)
    if keypad:
        print(_("✓ The reader has a keypad: you will type your PIN there."), file=out)
    print(_("Ready: run the command shown on the Immo-Connect screen."), file=out)
    return 0


def add_sign_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("challenge", metavar=_("CODE"),
                        help=_("the code shown on the screen (K7M2P-XQ4R4), or a whole challenge (IC1-…)"))
    parser.add_argument("--platform", metavar="URL", default=None,
                        help=_("the platform's web address, as written in the command shown on the screen"))
    parser.add_argument("--print", dest="print_answer", action="store_true",
                        help=_("print the answer to paste into the screen instead of sending it"))
    parser.add_argument("--pinpad", action="store_true",
                        help=_("type the PIN on the reader's keypad (found by itself on most keypad readers)"))
    parser.add_argument("--pin-stdin", action="store_true", help=_("read the PIN from standard input (scripts)"))
    parser.add_argument("--pkcs11-module", metavar=_("PATH"), default=None,
                        help=_("the eID software's PKCS#11 module (default: where the official one installs itself)"))
    parser.add_argument("--reader", metavar=_("NAME"), default=None, help=_("prefer card readers whose name contains NAME"))


def pin_reader(from_stdin: bool) -> Callable[[], str]:
    if from_stdin:
        return lambda: sys.stdin.readline().strip()
    return lambda: getpass.getpass(_("PIN code of your eID card: "), stream=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="immo-connect-eid",
        description=_("Sign in to Immo-Connect with your Belgian eID card: run the command shown on the "
                    "Immo-Connect screen on the computer where your card reader is."),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help=_("show the program's version number and exit"))
    parser.add_argument("--language", choices=("fr", "nl", "en"), default=None,
                        help=_("language of the messages (default: this computer's)"))
    actions = parser.add_subparsers(dest="action", metavar=_("ACTION"), required=True)
    sign_parser = actions.add_parser("sign", help=_("sign the challenge shown on the Immo-Connect screen"))
    add_sign_arguments(sign_parser)
    check_parser = actions.add_parser("check", help=_("check the eID software, the card reader and the card (no PIN)"))
    check_parser.add_argument("--pkcs11-module", metavar=_("PATH"), default=None)
    check_parser.add_argument("--reader", metavar=_("NAME"), default=None)
    return parser


def asked_language(argv: list[str]) -> str | None:
    """``--language`` read before parsing, since --help and parsing errors are written while parsing."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--language")
    language: str | None = early.parse_known_args(argv)[0].language
    return language


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    set_language(asked_language(arguments) or language_of_computer())
    route_argparse_texts()
    args = build_parser().parse_args(arguments)
    set_language(args.language or language_of_computer())
    try:
        if args.action == "check":
            return check(args.pkcs11_module or "", args.reader or "")
        request = SignRequest(args.challenge, args.platform or "", args.pkcs11_module or "", args.reader or "",
                              args.pinpad, args.print_answer)
        return sign(request, read_pin=pin_reader(args.pin_stdin))
    except errors.SignerError as error:
        print(f"immo-connect-eid: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

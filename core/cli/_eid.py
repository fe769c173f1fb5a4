"""``immo-connect eid``: sign a challenge for a remote session, read a card, emulate one.

``eid sign`` runs on the user's own computer, where the card reader is: it needs neither
the platform's database nor its network, only the card, the eID software and the PIN.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from immo_connect.config import load_settings
from immo_connect.extras import require
from immo_connect.i18n import _, get_language, set_language
from immo_connect_eid import i18n as signer_i18n
from immo_connect_eid.cli import add_sign_arguments


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("eid", help=_("the Belgian eID card: sign a challenge, read, emulate"))
    actions = parser.add_subparsers(dest="eid_command", metavar="ACTION", required=True)

    sign = actions.add_parser(
        "sign", help=_("sign the challenge shown by a remote Immo-Connect screen (run where the reader is)"),
        description=_("Check the card reader, the card and the eID software, fetch the challenge named by "
                    "CODE from the platform, sign it with the card's authentication key (asks the PIN) and "
                    "send the answer back: the Immo-Connect screen completes by itself."),
    )
    signer_i18n.set_language(get_language())  # its option texts in the language of this command
    add_sign_arguments(sign)  # the same options as the laptop signer (immo-connect-eid sign)
    sign.set_defaults(func=run_sign)

    read = actions.add_parser("read", help=_("read and verify the card in this computer's reader (no PIN)"))
    read.add_argument("--reader", metavar="NAME", default=None, help=_("prefer card readers whose name contains NAME"))
    read.set_defaults(func=run_read)

    emulate = actions.add_parser(
        "emulate", help=_("development: serve an emulated card through a private pcscd until Ctrl-C"),
        description=_("Start a private pcscd with a virtual reader holding a card of the test PKI, and a "
                    "SoftHSM2 token with its authentication key. Prints the settings to use."),
    )
    emulate.add_argument("--applet", choices=("1.7", "1.8"), default="1.8", help=_("card generation (default 1.8)"))
    emulate.add_argument("--pin", default="1234", help=_("the card's PIN (default 1234)"))
    emulate.add_argument("--folder", metavar="DIR", type=Path, default=None,
                         help=_("where to write the test root and the configuration (default: a temporary folder)"))
    emulate.set_defaults(func=run_emulate)


def _settings(args: argparse.Namespace, *, writes_nothing: bool = False):  # type: ignore[no-untyped-def]
    settings = load_settings(args.config, writes_nothing=writes_nothing)
    set_language(settings.language)
    return settings


def run_sign(args: argparse.Namespace) -> int:
    # The laptop signer's own flow (immo_connect_eid.cli), with this install's settings as defaults.
    from immo_connect.eid import pkcs11
    from immo_connect_eid import cli as signer_cli

    settings = _settings(args, writes_nothing=True)  # the user's computer keeps nothing of this
    require("eid")  # the card packages of this install, named if missing
    signer_i18n.set_language(get_language())
    request = signer_cli.SignRequest(
        challenge=args.challenge, platform=args.platform or settings.issuer,
        module=args.pkcs11_module or pkcs11.module_path(settings.eid.pkcs11_module),
        reader=args.reader if args.reader is not None else settings.eid.reader,
        pinpad=args.pinpad, print_answer=args.print_answer,
    )
    return signer_cli.sign(request, read_pin=signer_cli.pin_reader(args.pin_stdin))


def run_read(args: argparse.Namespace) -> int:
    from immo_connect.clock import utcnow
    from immo_connect.eid import pcsc
    from immo_connect.eid.verify import Verifier

    settings = _settings(args)
    require("eid")
    files = pcsc.read_card(args.reader if args.reader is not None else settings.eid.reader)
    card = Verifier.from_settings(settings).verify(files, utcnow())
    identity, address = card.identity, card.address
    lines = [
        (_("Card"), _("{number} (applet {applet})").format(number=identity.card_number, applet=card.applet)),
        (_("Name"), f"{identity.first_names} {identity.surname}"),
        (_("Birth"), f"{identity.birth_date_raw}, {identity.birth_place}"),
        (_("Address"), f"{address.street_and_number}, {address.zip_code} {address.municipality}"),
        (_("Valid until"), f"{identity.validity_end:%d/%m/%Y}"),
        (_("Root"), card.anchor.name),
        (_("Revocation"), _("checked: good") if card.revocation == "good" else _("not checked")),
    ]
    width = max(len(label) for label, _value in lines)
    for label, value in lines:
        print(f"{label.ljust(width)}  {value}")
    print(_("✓ The card data, its signatures and its certificates are verified."))
    return 0


def run_emulate(args: argparse.Namespace) -> int:  # pragma: no cover - interactive developer tool
    import tempfile

    from immo_connect.eid.emulator.pcscd import PrivatePcscd
    from immo_connect.eid.emulator.pki import TestPki
    from immo_connect.eid.emulator.softhsm import SoftHsm
    from immo_connect.eid.emulator.vpcd import VpcdBridge

    require("eid")
    folder = args.folder or Path(tempfile.mkdtemp(prefix="immo-eid-emulator-"))
    folder.mkdir(parents=True, exist_ok=True)
    pki = TestPki("ec" if args.applet == "1.8" else "rsa")
    card = pki.issue_card(pin=args.pin)
    (folder / "test-root.pem").write_bytes(pki.root_pem)
    hsm = SoftHsm(folder / "softhsm")
    hsm.add_card(card.auth_cert, card.auth_key, pin=args.pin)
    with PrivatePcscd() as pcscd:
        bridge = VpcdBridge(pcscd.port)
        bridge.insert(card.emulator())
        (folder / "plugins-eid.toml").write_text(
            f'[eid]\ntrust_anchors = ["{folder / "test-root.pem"}"]\npkcs11_module = "{hsm.module}"\n'
        )
        print(_("Emulated eID card (applet {applet}, PIN {pin}) in reader '{reader}'.").format(
            applet=args.applet, pin=args.pin, reader=pcscd.reader_name))
        print(_("Use it from another terminal with:"))
        print(f"  export PCSCLITE_CSOCK_NAME={pcscd.socket_path}")
        print(f"  export SOFTHSM2_CONF={hsm.config}")
        print(_("and add the [eid] table of {file} to your plugins.toml.").format(file=folder / "plugins-eid.toml"))
        print(_("Press Ctrl-C to stop."))
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            bridge.close()
    return 0

"""``immo-connect mail``: the outbox as an operator (or a newcomer reading a code) sees it."""

from __future__ import annotations

import argparse
import datetime as dt

from immo_connect.cli._common import platform_from, table
from immo_connect.errors import ValidationError
from immo_connect.i18n import N_, _, ngettext

STATUSES = ("pending", "sent", "abandoned")
STATUS_WORDS = {"pending": N_("pending"), "sent": N_("sent"), "abandoned": N_("abandoned")}
ATTEMPT_WORDS = {"sent": N_("sent"), "retry": N_("to retry"), "abandoned": N_("abandoned")}


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "mail", help=_("list the mail outbox; 'mail show ID' prints one mail"),
        description=_("List mails of the outbox, newest first, with their delivery status."),
    )
    parser.add_argument("--to", metavar="ADDRESS", help=_("only mails to this address"))
    parser.add_argument("--status", choices=STATUSES, help=_("only mails with this status"))
    parser.add_argument("--limit", type=int, default=30, help=_("at most this many mails (default 30)"))
    parser.set_defaults(func=run_list)
    actions = parser.add_subparsers(dest="mail_command", metavar="ACTION")
    show = actions.add_parser("show", help=_("print one mail: headers, text, delivery attempts"))
    show.add_argument("id", type=int, metavar="ID", help=_("the mail number shown by 'immo-connect mail'"))
    show.add_argument("--html", action="store_true", help=_("print the HTML part instead of the text"))
    show.set_defaults(func=run_show)
    requeue = actions.add_parser("requeue", help=_("give an abandoned mail a fresh set of attempts"))
    requeue.add_argument("id", type=int, metavar="ID")
    requeue.set_defaults(func=run_requeue)
    erase = actions.add_parser("erase", help=_("erase the text of mails finished more than DAYS ago"))
    erase.add_argument("--older-than", type=int, metavar="DAYS", help=_("default: [mail] keep_bodies_days"))
    erase.set_defaults(func=run_erase)
    test = actions.add_parser("test", help=_("queue a test mail to ADDRESS (checks the transport)"))
    test.add_argument("address", metavar="ADDRESS")
    test.add_argument("--language", choices=("fr", "nl", "en"), help=_("language of the mail"))
    test.set_defaults(func=run_test)


def _time(value: dt.datetime | None) -> str:
    return "" if value is None else value.isoformat(sep=" ", timespec="seconds")


def run_list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ValidationError(_("--limit must be at least 1."), hint=_("Give a positive number."))
    outbox = platform_from(args).outbox
    messages = outbox.list(status=args.status, to=args.to, limit=args.limit)
    counts = outbox.counts()
    print(_("Outbox: {pending} pending, {sent} sent, {abandoned} abandoned.").format(
        pending=counts.get("pending", 0), sent=counts.get("sent", 0), abandoned=counts.get("abandoned", 0)))
    if not messages:
        print(_("No mails to {address}.").format(address=args.to) if args.to else _("No mails."))
        return 0
    rows = []
    for m in messages:
        when = m.sent_at if m.status == "sent" else (m.next_attempt_at if m.status == "pending" else None)
        rows.append([str(m.id), _time(m.created_at), m.recipient, m.template, _(STATUS_WORDS[m.status]).upper(),
                     str(m.attempts), _time(when), m.subject])
    print(table(rows, [_("ID"), _("QUEUED (UTC)"), _("TO"), _("TEMPLATE"), _("STATUS"), _("TRIES"),
                       _("SENT/NEXT (UTC)"), _("SUBJECT")]))
    print(_("Read one mail with: immo-connect mail show ID"))
    return 0


def run_show(args: argparse.Namespace) -> int:
    platform = platform_from(args)
    outbox = platform.outbox
    m = outbox.get(args.id)
    print(ngettext("Mail {id}: {status} after {count} attempt", "Mail {id}: {status} after {count} attempts",
                   int(m.attempts)).format(id=m.id, status=_(STATUS_WORDS[m.status]).upper(), count=m.attempts))
    # Header names stay as in the mail itself.
    print(f"From: {platform.settings.mail.sender}")
    print(f"To: {m.recipient}")
    print(f"Subject: {m.subject}")
    print(f"Message-ID: {m.message_id}")
    print(_("Template: {template} ({language})").format(template=m.template, language=m.language))
    print(_("Queued: {time} UTC").format(time=_time(m.created_at)))
    if m.status == "sent":
        print(_("Sent: {time} UTC by {worker}").format(time=_time(m.sent_at), worker=m.claimed_by))
    elif m.status == "pending":
        print(_("Next attempt: {time} UTC").format(time=_time(m.next_attempt_at)))
    if m.last_error:
        print(_("Last error: {error}").format(error=m.last_error))
    print()
    print((m.html_text() if args.html else m.plain_text()) or _("(text erased)"))
    attempts = list(outbox.attempts(m))
    if attempts:
        print(_("Attempts:"))
        for a in attempts:
            outcome = _(ATTEMPT_WORDS[a.outcome]) if a.outcome in ATTEMPT_WORDS else a.outcome
            print(f"  {_time(a.at)} UTC  {outcome:<12}  {a.worker}  {a.error}".rstrip())
    return 0


def run_requeue(args: argparse.Namespace) -> int:
    m = platform_from(args).outbox.requeue(args.id)
    print(_("Mail {id} is queued again; a worker will send it.").format(id=m.id))
    return 0


def run_erase(args: argparse.Namespace) -> int:
    count = platform_from(args).outbox.erase_old_bodies(args.older_than)
    print(ngettext("Erased the text of {count} mail.", "Erased the text of {count} mails.", count).format(count=count))
    return 0


def run_test(args: argparse.Namespace) -> int:
    import secrets

    from immo_connect.mail import enqueue
    from immo_connect.storage import transaction

    platform = platform_from(args)
    section = platform.settings.mail
    transport: str = section.transport
    if section.transport == "smtp":
        transport = f"SMTP {section.host}:{section.port} ({section.security})"
    with transaction():
        m = enqueue(
            to=args.address.strip(), template="transport_check", language=args.language,
            context={"address": args.address.strip(), "transport": transport},
            key=f"transport-check:{secrets.token_hex(8)}",
        )
    print(_("Test mail {id} queued for {address}; run 'immo-connect worker --once' to send it now.").format(
        id=m.id, address=m.recipient))
    return 0

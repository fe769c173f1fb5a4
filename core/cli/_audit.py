"""``immo-connect audit``: read and filter the audit log."""

from __future__ import annotations

import argparse
import datetime as dt

from immo_connect.cli._common import add_operator_arguments, operator_id, platform_from, table
from immo_connect.errors import ValidationError
from immo_connect.i18n import _


def _date(value: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{value!r} is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)").format(value=value)) from None


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("audit", help=_("list audit events, newest first"))
    parser.add_argument("--actor", help=_("only events of this actor (username)"))
    parser.add_argument("--action", help=_("only actions starting with this text, e.g. org."))
    parser.add_argument("--organisation", type=int, metavar="ID", help=_("only events of this organisation"))
    parser.add_argument("--outcome", choices=("success", "refused", "failed"))
    parser.add_argument("--since", type=_date, metavar="DATE", help=_("from this UTC date/time"))
    parser.add_argument("--until", type=_date, metavar="DATE", help=_("before this UTC date/time"))
    parser.add_argument("--limit", type=int, default=100, help=_("at most this many events (default 100)"))
    add_operator_arguments(parser, reason=False)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from immo_connect import audit

    if args.limit < 1:
        raise ValidationError(_("--limit must be at least 1."), hint=_("Give a positive number."))
    platform = platform_from(args, source="cli")
    filters = audit.AuditFilter(
        actor=args.actor, action=args.action, organisation_id=args.organisation,
        outcome=args.outcome, since=args.since, until=args.until,
    )
    rows = [
        [e.at.isoformat(timespec="seconds"), e.actor, e.action, e.target, _(audit.OUTCOME_WORDS.get(e.outcome, e.outcome)),
         "" if e.organisation_id is None else str(e.organisation_id), e.source]
        for e in platform.operators.reading.audit_log(operator_id(args), filters, limit=args.limit)
    ]
    print(table(rows, [_("TIME (UTC)"), _("ACTOR"), _("ACTION"), _("TARGET"), _("OUTCOME"), _("ORG"), _("SOURCE")])
          if rows else _("No events."))
    return 0

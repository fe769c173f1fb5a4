"""Customer due-diligence checks of Anti-Blanchiment: risk questions, vigilance level, record.

A check records who the customer is (a person or a company), the answers to the risk
questions, the vigilance level they lead to and the decision of the person responsible.
Each recorded check is charged to the organisation's wallet; the record and the report can
be read back by members of the organisation for as long as the law requires (ten years).
National register numbers are never asked or stored: a person is identified by name, date
of birth and nationality, as on the identity document the agent has seen.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from typing import TYPE_CHECKING, Any, Literal

import peewee

from immo_connect.errors import NotFoundError, ValidationError
from immo_connect.i18n import N_, _
from immo_connect.storage import BaseModel, Migration, transaction
from immo_connect.text import check_free_text

if TYPE_CHECKING:
    from immo_connect.platform import Platform
    from immo_connect.tools import ToolContext

TOOL_NAME = "antiblanchiment"
PRICE_ACTION = "check"

SubjectKind = Literal["person", "company"]
Vigilance = Literal["simplified", "standard", "enhanced"]
Outcome = Literal["proceed", "proceed_enhanced", "refuse_report"]


@dataclasses.dataclass(frozen=True)
class RiskQuestion:
    id: str
    text: str
    weight: int
    forces_enhanced: bool = False


QUESTIONS: tuple[RiskQuestion, ...] = (
    RiskQuestion("pep", N_("Is the customer or their beneficial owner a politically exposed person, or a relative or close associate of one?"), 3, True),
    RiskQuestion("high_risk_country", N_("Is the customer established in a high-risk third country, or do the funds come from one?"), 3, True),
    RiskQuestion("cash", N_("Is part of the price paid in cash or through an unusual channel?"), 2),
    RiskQuestion("structure", N_("Is the ownership structure complex or the beneficial owner unclear?"), 2),
    RiskQuestion("price", N_("Is the price unusual for the market, or does the transaction lack an economic reason?"), 2),
    RiskQuestion("remote", N_("Was the customer identified without meeting them in person?"), 1),
    RiskQuestion("urgency", N_("Does the customer insist on unusual speed or secrecy?"), 1),
)

VIGILANCE_LABELS = {
    "simplified": N_("Simplified vigilance"),
    "standard": N_("Standard vigilance"),
    "enhanced": N_("Enhanced vigilance"),
}
OUTCOME_LABELS = {
    "proceed": N_("Proceed with the business relationship"),
    "proceed_enhanced": N_("Proceed under enhanced vigilance"),
    "refuse_report": N_("Refuse the relationship and report to the CTIF-CFI"),
}
TRANSACTION_LABELS = {"sale": N_("Sale"), "rental": N_("Rental")}
SUBJECT_LABELS = {"person": N_("Person"), "company": N_("Company")}


class AmlCheck(BaseModel):
    id = peewee.BigAutoField()
    organisation_id = peewee.BigIntegerField(index=True)
    account_id = peewee.BigIntegerField()
    performed_by = peewee.CharField(max_length=200)
    mode = peewee.CharField(max_length=64)
    subject_kind = peewee.CharField(max_length=10)
    subject_name = peewee.CharField(max_length=200)
    subject_reference = peewee.CharField(max_length=100)
    subject_country = peewee.CharField(max_length=2)
    transaction_kind = peewee.CharField(max_length=10)
    property_address = peewee.CharField(max_length=300)
    amount_cents = peewee.BigIntegerField(null=True)
    answers = peewee.TextField()
    risk_score = peewee.IntegerField()
    vigilance = peewee.CharField(max_length=12)
    outcome = peewee.CharField(max_length=20)
    notes = peewee.TextField(default="")
    transaction_ref = peewee.CharField(max_length=64, default="")
    created_at = peewee.DateTimeField()


def _create(db: peewee.Database) -> None:
    db.create_tables([AmlCheck])


MIGRATIONS = [Migration(1, N_("customer due-diligence checks"), _create)]


@dataclasses.dataclass(frozen=True)
class CheckInput:
    """What the screen collects. ``subject_reference``: the enterprise number of a company,
    or the date of birth (YYYY-MM-DD) of a person."""

    subject_kind: str
    subject_name: str
    subject_reference: str
    subject_country: str
    transaction_kind: str
    property_address: str
    amount_cents: int | None
    answers: dict[str, bool]
    outcome: str
    notes: str = ""


def assess(answers: dict[str, bool]) -> tuple[int, Vigilance]:
    """Risk score and vigilance level from the answers (unanswered counts as "no")."""
    score = sum(q.weight for q in QUESTIONS if answers.get(q.id))
    if any(answers.get(q.id) for q in QUESTIONS if q.forces_enhanced) or score >= 3:
        return score, "enhanced"
    return score, ("standard" if score else "simplified")


def _enterprise_number_ok(text: str) -> bool:
    digits = re.sub(r"[\s.]", "", text.upper().removeprefix("BE"))
    return bool(re.fullmatch(r"[01]\d{9}", digits)) and 97 - int(digits[:8]) % 97 == int(digits[8:])


def validate(data: CheckInput, today: dt.date) -> None:
    def invalid(field: str, message: str, hint: str) -> ValidationError:
        return ValidationError(message, hint=hint, field=field)

    for field, value in (("subject_name", data.subject_name), ("subject_reference", data.subject_reference),
                         ("subject_country", data.subject_country), ("property_address", data.property_address)):
        check_free_text(value, field=field)
    check_free_text(data.notes, field="notes", multiline=True)
    if data.subject_kind not in SUBJECT_LABELS:
        raise invalid("subject_kind", _("Say whether the customer is a person or a company."), _("Choose Person or Company."))
    if not data.subject_name.strip() or len(data.subject_name) > 200:
        raise invalid("subject_name", _("The customer's name is missing."), _("Write the name as on the identity document or in the KBO/BCE."))
    if data.subject_kind == "company":
        if not _enterprise_number_ok(data.subject_reference):
            raise invalid("subject_reference", _("This enterprise number is not valid."), _("Write the 10 digits, like 0403.170.701."))
    else:
        try:
            born = dt.date.fromisoformat(data.subject_reference.strip())
        except ValueError:
            raise invalid("subject_reference", _("The date of birth is not a date."), _("Write it as YYYY-MM-DD.")) from None
        if not dt.date(1900, 1, 1) <= born <= today:
            raise invalid("subject_reference", _("The date of birth is not plausible."), _("Check the identity document."))
    if not re.fullmatch(r"[A-Z]{2}", data.subject_country.strip().upper()):
        raise invalid("subject_country", _("The country must be a two-letter code."), _("Write BE, FR, NL, …"))
    if data.transaction_kind not in TRANSACTION_LABELS:
        raise invalid("transaction_kind", _("Say whether the transaction is a sale or a rental."), _("Choose Sale or Rental."))
    if not data.property_address.strip() or len(data.property_address) > 300:
        raise invalid("property_address", _("The address of the property is missing."), _("Write the street, number and municipality."))
    if data.amount_cents is not None and data.amount_cents <= 0:
        raise invalid("amount", _("The amount must be positive."), _("Leave it empty when it is not known yet."))
    unknown = set(data.answers) - {q.id for q in QUESTIONS}
    if unknown:
        raise invalid("answers", _("Unknown risk question."), _("Answer the questions shown."))
    if data.outcome not in OUTCOME_LABELS:
        raise invalid("outcome", _("Choose the decision."), _("Choose one of the decisions listed."))
    if assess(data.answers)[1] == "enhanced" and data.outcome == "proceed":
        raise invalid(
            "outcome", _("The risk calls for enhanced vigilance."),
            _("Proceed under enhanced vigilance, or refuse and report."),
        )


def record_check(platform: Platform, context: ToolContext, data: CheckInput, *, idempotency_key: str) -> int:
    """Validate, charge the check to the organisation's wallet, and record it; the check id."""
    if context.tool != TOOL_NAME:
        raise ValidationError(_("This context belongs to another tool."), hint=_("Start Anti-Blanchiment again."))
    platform.tools.authorize(context)
    validate(data, platform.clock.now().date())
    score, vigilance = assess(data.answers)
    charged = platform.tools.charge(
        context, PRICE_ACTION,
        description=_("Due-diligence check: {name}").format(name=data.subject_name.strip())[:200],
        idempotency_key=idempotency_key, confidential=True,  # who was checked / which parcel: its users only
    )
    from immo_connect.accounts.models import Account

    performer = Account.get_by_id(context.account_id)
    with transaction():
        row = AmlCheck.create(
            organisation_id=context.organisation_id, account_id=context.account_id,
            performed_by=performer.display_name, mode=context.mode, subject_kind=data.subject_kind,
            subject_name=data.subject_name.strip(), subject_reference=data.subject_reference.strip(),
            subject_country=data.subject_country.strip().upper(), transaction_kind=data.transaction_kind,
            property_address=data.property_address.strip(), amount_cents=data.amount_cents,
            answers=json.dumps({q.id: bool(data.answers.get(q.id)) for q in QUESTIONS}),
            risk_score=score, vigilance=vigilance, outcome=data.outcome, notes=data.notes.strip(),
            transaction_ref=str(charged.id), created_at=platform.clock.now(),
        )
    return int(row.id)


def checks(platform: Platform, context: ToolContext, *, limit: int = 50) -> list[AmlCheck]:
    """The organisation's latest checks, newest first."""
    platform.tools.authorize(context)
    return list(
        AmlCheck.select().where(AmlCheck.organisation_id == context.organisation_id)
        .order_by(AmlCheck.id.desc()).limit(limit)
    )


def get_check(platform: Platform, context: ToolContext, check_id: int) -> AmlCheck:
    platform.tools.authorize(context)
    row: AmlCheck | None = AmlCheck.get_or_none(
        (AmlCheck.id == check_id) & (AmlCheck.organisation_id == context.organisation_id)
    )
    if row is None:
        raise NotFoundError(_("This check does not exist for this organisation."), hint=_("Choose a check from the list."))
    return row


def answers_of(row: AmlCheck) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(row.answers)
    return loaded

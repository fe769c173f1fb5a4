"""The mails of the organisation flows, written to the outbox inside the change's transaction.

Each mail's idempotency key names the audit event of the change that caused it: one change,
one mail, however often the call is retried.
"""

from __future__ import annotations

from immo_connect.accounts.models import Account
from immo_connect.formats.enterprise import format_number
from immo_connect.organisations.models import Membership, Organisation


def _address(account: Account) -> str | None:
    return str(account.email) if account.email else None


def _enqueue(to: str, template: str, context: dict[str, object], key: str, language: str) -> None:
    from immo_connect.mail import enqueue

    enqueue(to=to, template=template, context=context, key=key, language=language)


def membership_requested(
    organisation: Organisation, requester: Account, membership: Membership, managers: list[Account],
    event_id: int,
) -> None:
    """Tell every active manager that ``requester`` asks to join."""
    for manager in managers:
        to = _address(manager)
        if to is None:
            continue
        _enqueue(
            to, "membership_requested",
            {
                "manager_name": manager.display_name, "requester_name": requester.display_name,
                "requester_email": requester.email or "", "function": membership.function,
                "organisation_name": organisation.name,
                "enterprise_number": format_number(organisation.enterprise_number),
            },
            key=f"membership_requested:{membership.id}:{event_id}:{manager.id}",
            language=str(manager.language or "fr"),
        )


def _employee_notice(template: str, organisation: Organisation, employee: Account, membership: Membership,
                     manager: Account, event_id: int) -> None:
    """Tell an employee what a manager decided about their membership."""
    to = _address(employee)
    if to is None:
        return
    _enqueue(
        to, template,
        {"employee_name": employee.display_name, "organisation_name": organisation.name,
         "manager_name": manager.display_name,
         "enterprise_number": format_number(organisation.enterprise_number)},
        key=f"{template}:{membership.id}:{event_id}",
        language=str(employee.language or "fr"),
    )


def membership_confirmed(organisation: Organisation, employee: Account, membership: Membership,
                         manager: Account, event_id: int) -> None:
    _employee_notice("membership_confirmed", organisation, employee, membership, manager, event_id)


def membership_blocked(organisation: Organisation, employee: Account, membership: Membership,
                       manager: Account, event_id: int) -> None:
    _employee_notice("membership_blocked", organisation, employee, membership, manager, event_id)

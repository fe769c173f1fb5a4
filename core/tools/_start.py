"""Quality selection (manual 1.1.3), the start check, and actions run under a :class:`ToolContext`.

The start check lives here, in the core, and runs again before every action: a right that a
manager revokes takes effect at the next start or action, in every open session.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any, NoReturn

from immo_connect import audit, formatting
from immo_connect.accounts.models import Account
from immo_connect.contracts.tools import Tool
from immo_connect.errors import NotFoundError, ValidationError
from immo_connect.i18n import _
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.recognitions.models import Recognition
from immo_connect.storage import transaction
from immo_connect.tools._base import ServiceBase
from immo_connect.tools._types import Quality, ToolContext
from immo_connect.tools.models import QualityChoice, ToolAccess, ToolRegistration

if TYPE_CHECKING:
    from immo_connect.wallet.models import WalletTransaction


def _tuples(query: Any) -> list[tuple[Any, ...]]:
    """The rows of ``query`` as plain tuples (no model objects: the cheap way for many rows)."""
    return [tuple(row) for row in query.tuples()]


def _valid(status: str, valid_from: dt.date, valid_until: dt.date | None, today: dt.date) -> bool:
    """:meth:`Recognition.is_valid_on` for a row read as a tuple."""
    return status == "current" and valid_from <= today and (valid_until is None or today <= valid_until)


class StartMixin(ServiceBase):
    # -- quality selection -------------------------------------------------------------------

    def qualities(self, actor: Account | int, tool_name: str) -> list[Quality]:
        """Every (organisation, mode) the actor may start ``tool_name`` with, by organisation.

        A constant number of queries whatever the number of organisations, reading plain
        tuples: the screen shows it at every tool start.
        """
        account = self._actor(actor)
        tool = self.tool(tool_name)
        granted = _tuples(
            ToolRegistration.select(
                ToolRegistration.organisation, Organisation.name, ToolRegistration.mode,
                ToolRegistration.mandated_recognition, ToolAccess.role,
            )
            .join(ToolAccess, on=(
                (ToolAccess.registration == ToolRegistration.id) & (ToolAccess.account == account.id)
                & (ToolAccess.state == "granted")))
            .switch(ToolRegistration)
            .join(Membership, on=(
                (Membership.organisation == ToolRegistration.organisation) & (Membership.account == account.id)
                & (Membership.status == "active")))
            .switch(ToolRegistration)
            .join(Organisation, on=(Organisation.id == ToolRegistration.organisation))
            .where(ToolRegistration.tool == tool.name)
        )
        if not granted:
            return []
        today = self._today()
        mandate_ids = {row[3] for row in granted if row[3] is not None}
        mandates: dict[int, tuple[Any, ...]] = {
            row[0]: row for row in _tuples(Recognition.select(
                Recognition.id, Recognition.account, Recognition.identifier, Recognition.status,
                Recognition.valid_from, Recognition.valid_until,
            ).where(Recognition.id.in_(list(mandate_ids))))
        } if mandate_ids else {}
        holders = set(_tuples(
            Membership.select(Membership.account, Membership.organisation).where(
                Membership.account.in_(list({m[1] for m in mandates.values()})),
                Membership.organisation.in_(list({row[0] for row in granted})), Membership.status == "active",
            )
        )) if mandates else set()
        required = {identifier for mode in tool.modes for identifier in mode.required_recognitions}
        own = {row.identifier for row in self._platform.recognitions.valid_of([account.id], required)[account.id]}
        terms_ok = self._terms_accepted(account.id, tool)
        last = QualityChoice.select(QualityChoice.organisation, QualityChoice.mode).where(
            (QualityChoice.account == account.id) & (QualityChoice.tool == tool.name)).tuples().first()
        found: list[Quality] = []
        for organisation_id, organisation_name, mode_id, mandate_id, role_id in granted:
            mode = tool.mode(mode_id)
            role = mode.role(role_id) if mode else None
            if mode is None or role is None:
                continue
            if mode.required_recognitions:
                mandate = mandates.get(mandate_id)
                if (
                    mandate is None or mandate[2] not in mode.required_recognitions
                    or not _valid(mandate[3], mandate[4], mandate[5], today)
                    or (mandate[1], organisation_id) not in holders
                ):
                    continue
                if role.needs_recognition and not own & set(mode.required_recognitions):
                    continue
            found.append(Quality(
                tool=tool.name, organisation_id=organisation_id, organisation_name=organisation_name,
                mode=mode.id, mode_title=mode.title, role=role.id, role_title=role.title,
                terms_pending=not terms_ok, last=last == (organisation_id, mode.id),
            ))
        order = {mode.id: index for index, mode in enumerate(tool.modes)}
        return sorted(found, key=lambda q: (q.organisation_name.lower(), q.organisation_id, order[q.mode]))

    def usable_tools(self, actor: Account | int) -> list[Tool]:
        """The tools the actor has at least one quality for."""
        account = self._actor(actor)
        return [tool for tool in self.catalogue() if self.qualities(account, tool.name)]

    def last_choice(self, actor: Account | int) -> tuple[int, str, str] | None:
        """(organisation id, tool, mode) of the quality the actor last started a tool with.

        Only one the actor is still an active member of; None when there is none.
        """
        account = self._actor(actor)
        row = (QualityChoice.select(QualityChoice.organisation, QualityChoice.tool, QualityChoice.mode)
               .join(Membership, on=((Membership.organisation == QualityChoice.organisation)
                                     & (Membership.account == account.id) & (Membership.status == "active")))
               .where(QualityChoice.account == account.id)
               .order_by(QualityChoice.chosen_at.desc(), QualityChoice.id.desc()).tuples().first())
        return (int(row[0]), str(row[1]), str(row[2])) if row else None

    # -- the start check -----------------------------------------------------------------------

    def _check(self, account: Account, tool_name: str, organisation_id: int, mode_id: str, action: str) -> ToolContext:
        tool = self.tool(tool_name)
        mode = self._mode(tool, mode_id)
        organisation = self._organisation(organisation_id)
        target = f"tool:{tool.name}/{mode.id}"

        def refuse(code: str, message: str, hint: str) -> NoReturn:
            self._refuse(action, account, organisation_id, target, code, message, hint)

        membership = self._membership(account.id, organisation_id)
        if membership is None or membership.status != "active":
            refuse("not_member", _("You are not an active member of {organisation}.").format(organisation=organisation.name),
                   _("Ask a manager of the organisation to confirm you."))
        registration = self._registration(organisation_id, tool.name, mode.id)
        if registration is None:
            refuse("not_registered", _("{tool} is not registered for {organisation} in this mode.").format(
                tool=tool.title, organisation=organisation.name), _("Register the tool first."))
        access: ToolAccess | None = ToolAccess.get_or_none(
            (ToolAccess.registration == registration.id) & (ToolAccess.account == account.id)
        )
        if access is None:
            refuse("no_access", _("You have no access to {tool} for {organisation}.").format(
                tool=tool.title, organisation=organisation.name), _("Ask a manager of the organisation for a role."))
        if access.state == "blocked":
            refuse("access_blocked", _("Your access to {tool} for {organisation} is blocked.").format(
                tool=tool.title, organisation=organisation.name), _("Ask a manager of the organisation."))
        role = mode.role(access.role)
        if role is None:
            refuse("no_access", _("Your role for {tool} no longer exists.").format(tool=tool.title),
                   _("Ask a manager of the organisation for a new role."))
        if not self._mandate_holds(registration, mode):
            refuse("mandate_invalid", _("The recognition {organisation} registered {tool} with is no longer valid.").format(
                organisation=organisation.name, tool=tool.title),
                _("A manager must choose another mandated recognition in the tool's access settings."))
        if role.needs_recognition and mode.required_recognitions:
            held = self._platform.recognitions.valid_of([account.id], mode.required_recognitions)[account.id]
            if not held:
                refuse("recognition_invalid", _("You no longer hold a valid recognition for this usage mode."),
                       _("Refresh your recognitions on the Recognitions page, or ask a manager for another role."))
        if not self._terms_accepted(account.id, tool):
            refuse("terms_not_accepted", _("Accept the terms of use of {tool} first.").format(tool=tool.title),
                   _("Read the terms and accept them to continue."))
        return ToolContext(
            account_id=account.id, organisation_id=organisation_id, organisation_name=organisation.name,
            tool=tool.name, mode=mode.id, role=role.id, registration_id=registration.id,
            started_at=self._platform.clock.now(),
        )

    def start(self, actor: Account | int, tool_name: str, organisation_id: int, mode_id: str) -> ToolContext:
        """Check every right again and return the context the tool runs under.

        Membership active, a role granted (not blocked), the mandated and the personal
        recognition valid, the current terms accepted. Refusals raise
        :class:`~immo_connect.errors.PermissionDenied` (``code`` says which) and are audited.
        """
        account = self._actor(actor)
        context = self._check(account, tool_name, organisation_id, mode_id, "tool.start")
        with transaction():
            updated = QualityChoice.update(organisation=organisation_id, mode=mode_id, chosen_at=context.started_at).where(
                (QualityChoice.account == account.id) & (QualityChoice.tool == context.tool)
            ).execute()
            if not updated:
                QualityChoice.create(account=account.id, tool=context.tool, organisation=organisation_id,
                                     mode=mode_id, chosen_at=context.started_at)
            audit.record(
                "tool.started", actor_id=account.id, actor=account.username, organisation_id=organisation_id,
                target=f"tool:{context.tool}/{context.mode}", source=self._platform.source,
                detail={"role": context.role},
            )
        return context

    def authorize(self, context: ToolContext) -> ToolContext:
        """Check the rights behind ``context`` again (before any tool action); the fresh context."""
        account = self._actor(context.account_id)
        fresh = self._check(account, context.tool, context.organisation_id, context.mode, "tool.action")
        return dataclasses.replace(fresh, started_at=context.started_at)

    def charge(self, context: ToolContext, action: str, *, description: str, idempotency_key: str,
               confidential: bool = False) -> WalletTransaction:
        """Charge the price of ``action`` to the organisation's wallet, under ``context``.

        ``confidential=True`` marks the description as confidential (a person checked, a
        parcel searched): in the wallet's list, CSV and vouchers, members without access to
        this tool then see only the tool and the action (« Anti-Blanchiment — Vérification de
        vigilance ») and the amount; the person who did it, the managers and the tool's users
        see the description.

        Rights are checked again first. ``idempotency_key`` identifies this one action: a
        retry with the same key is charged once. Returns the wallet transaction; a balance too
        low raises :class:`ValidationError` (``code`` ``insufficient_funds``) after the wallet
        recorded the failed attempt. Other errors of the wallet propagate.
        """
        self.authorize(context)
        tool = self.tool(context.tool)
        price = tool.price(action)
        if price is None:
            raise NotFoundError(
                _("{tool} has no price for this action.").format(tool=tool.title),
                hint=_("Contact the support of the tool."), code="no_price",
            )
        account = self._actor(context.account_id)
        charged = self._platform.wallet.charge(
            account, context.organisation_id, price.amount_cents, tool=tool.name,
            description=description, idempotency_key=f"tool:{tool.name}:{context.organisation_id}:{idempotency_key}",
            public_description=f"{tool.title} — {_(price.title)}" if confidential else "",
            usage_mode=context.mode,
        )
        if not charged.succeeded:
            # The wallet recorded the failed attempt (it shows in the history); the action stops here.

            if int(charged.balance_before or 0) < 0:  # money of a top-up was taken back
                raise ValidationError(
                    _("The wallet of {organisation} is negative ({balance}): money of a top-up was taken "
                      "back, and tools cannot be paid for until it is topped up.").format(
                        organisation=context.organisation_name, balance=formatting.money(int(charged.balance_before or 0))),
                    hint=_("Ask a manager of the organisation to top up the wallet."),
                    code="insufficient_funds",
                )
            raise ValidationError(
                _("The wallet of {organisation} has too little money for this action ({amount}).").format(
                    organisation=context.organisation_name, amount=formatting.money(price.amount_cents)),
                hint=_("Ask a manager of the organisation to top up the wallet."),
                code="insufficient_funds",
            )
        return charged

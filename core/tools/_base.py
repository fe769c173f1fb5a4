"""Shared lookups and the refusal path of the tool service."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NoReturn

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.contracts.tools import Tool, UsageMode
from immo_connect.errors import NotFoundError, PermissionDenied
from immo_connect.i18n import _
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.recognitions.models import Recognition
from immo_connect.recognitions.service import load_actor
from immo_connect.storage import transaction
from immo_connect.tools.models import TermsAcceptance, ToolRegistration

if TYPE_CHECKING:
    from immo_connect.platform import Platform


class ServiceBase:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    # -- catalogue -------------------------------------------------------------------------

    def catalogue(self) -> list[Tool]:
        """Every tool of the enabled plugins, by title."""
        return sorted(self._platform.plugins.tools(), key=lambda t: (t.title.lower(), t.name))

    def tool(self, name: str) -> Tool:
        tool = self._platform.plugins.tool(name)
        if tool is None:
            raise NotFoundError(
                _("There is no tool named {name}.").format(name=name),
                hint=_("Choose a tool from the list of tools."),
            )
        return tool

    def _mode(self, tool: Tool, mode_id: str) -> UsageMode:
        mode = tool.mode(mode_id)
        if mode is None:
            raise NotFoundError(
                _("The tool {tool} has no usage mode {mode}.").format(tool=tool.title, mode=mode_id),
                hint=_("Choose one of the usage modes shown for the tool."),
            )
        return mode

    # -- people and organisations ------------------------------------------------------------

    def _actor(self, actor: Account | int) -> Account:
        return load_actor(actor)

    def _organisation(self, organisation_id: int) -> Organisation:
        organisation: Organisation | None = Organisation.get_or_none(Organisation.id == organisation_id)
        if organisation is None:
            raise NotFoundError(
                _("This organisation does not exist."), hint=_("Choose one of your organisations."),
            )
        return organisation

    @staticmethod
    def _membership(account_id: int, organisation_id: int) -> Membership | None:
        membership: Membership | None = Membership.get_or_none(
            (Membership.account == account_id) & (Membership.organisation == organisation_id)
        )
        return membership

    def _require_member(self, actor: Account, organisation_id: int, action: str, *, manager: bool = False) -> Membership:
        """The actor's active membership (and manager rights when asked); refusals are audited."""
        self._organisation(organisation_id)
        membership = self._membership(actor.id, organisation_id)
        if membership is None or membership.status != "active":
            self._refuse(
                action, actor, organisation_id, f"organisation:{organisation_id}", "not_member",
                _("You are not an active member of this organisation."),
                _("Ask a manager of the organisation to confirm you first."),
            )
        if manager and not membership.is_manager:
            self._refuse(
                action, actor, organisation_id, f"organisation:{organisation_id}", "not_manager",
                _("Only a manager of the organisation can do this."),
                _("Ask a manager of the organisation."),
            )
        return membership

    def _registration(self, organisation_id: int, tool: str, mode: str) -> ToolRegistration | None:
        registration: ToolRegistration | None = ToolRegistration.get_or_none(
            (ToolRegistration.organisation == organisation_id)
            & (ToolRegistration.tool == tool) & (ToolRegistration.mode == mode)
        )
        return registration

    def _mandate_holds(self, registration: ToolRegistration, mode: UsageMode) -> bool:
        """The mandated recognition still supports the registration (valid, held by an active member)."""
        if not mode.required_recognitions:
            return True
        recognition: Recognition | None = (
            Recognition.get_or_none(Recognition.id == registration.mandated_recognition_id)
            if registration.mandated_recognition_id is not None else None
        )
        if recognition is None or recognition.identifier not in mode.required_recognitions:
            return False
        if not recognition.is_valid_on(self._today()):
            return False
        holder = self._membership(recognition.account_id, registration.organisation_id)
        return holder is not None and holder.status == "active"

    @staticmethod
    def _terms_accepted(account_id: int, tool: Tool) -> bool:
        """The person accepted the current version of the tool's terms (always true without terms)."""
        if tool.terms is None:
            return True
        return bool(TermsAcceptance.select().where(
            TermsAcceptance.account == account_id, TermsAcceptance.tool == tool.name,
            TermsAcceptance.version == tool.terms.version,
        ).exists())

    def _today(self) -> dt.date:
        return self._platform.clock.now().date()

    # -- refusals ----------------------------------------------------------------------------

    def _refuse(
        self, action: str, actor: Account, organisation_id: int | None, target: str, code: str,
        message: str, hint: str, **detail: object,
    ) -> NoReturn:
        """Record the refusal in its own transaction (the caller's work is abandoned), then raise."""
        with transaction():
            audit.record(
                action, actor_id=actor.id, actor=actor.username, organisation_id=organisation_id,
                target=target, outcome="refused", source=self._platform.source,
                detail={"reason": code, **detail},
            )
        raise PermissionDenied(message, hint=hint, code=code)

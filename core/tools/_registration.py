"""Registering a tool for an organisation (manual 1.2.5) and the organisation's "Tools" page."""

from __future__ import annotations

import peewee

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.contracts.tools import Tool
from immo_connect.errors import ConflictError, NotFoundError, ValidationError
from immo_connect.i18n import _
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.recognitions.models import Recognition
from immo_connect.storage import transaction
from immo_connect.tools._base import ServiceBase
from immo_connect.tools._types import RegistrationCheck, RequirementCheck, ToolOverview
from immo_connect.tools.models import QualityChoice, TermsAcceptance, ToolAccess, ToolRegistration


class RegistrationMixin(ServiceBase):
    def organisations_for(self, actor: Account | int) -> list[tuple[int, str]]:
        """The organisations the actor is an active member of (id, name), by name."""
        account = self._actor(actor)
        rows = (
            Organisation.select(Organisation.id, Organisation.name)
            .join(Membership)
            .where((Membership.account == account.id) & (Membership.status == "active"))
            .order_by(Organisation.name, Organisation.id)
        )
        return [(row.id, row.name) for row in rows]

    def overview(self, actor: Account | int, organisation_id: int) -> list[ToolOverview]:
        """Every tool, with the modes registered for the organisation and those the actor may use."""
        account = self._actor(actor)
        self._require_member(account, organisation_id, "tool.overview")
        registered: dict[str, list[str]] = {}
        usable: dict[str, list[str]] = {}
        registrations = ToolRegistration.select().where(ToolRegistration.organisation == organisation_id)
        by_id = {row.id: row for row in registrations}
        for row in by_id.values():
            registered.setdefault(row.tool, []).append(row.mode)
        if by_id:
            accesses = ToolAccess.select(ToolAccess.registration).where(
                ToolAccess.registration.in_(list(by_id)), ToolAccess.account == account.id,
                ToolAccess.state == "granted",
            )
            for access in accesses:
                row = by_id[access.registration_id]
                usable.setdefault(row.tool, []).append(row.mode)
        result = []
        for tool in self.catalogue():
            order = [mode.id for mode in tool.modes]
            result.append(ToolOverview(
                tool=tool,
                registered_modes=tuple(m for m in order if m in registered.get(tool.name, [])),
                usable_modes=tuple(m for m in order if m in usable.get(tool.name, [])),
            ))
        return result

    def accept_terms(self, actor: Account | int, tool_name: str, version: str) -> None:
        """Record that the actor accepts ``version`` of the tool's terms (it must be the current one)."""
        account = self._actor(actor)
        tool = self.tool(tool_name)
        if tool.terms is None:
            return
        if version != tool.terms.version:
            raise ValidationError(
                _("These terms of use are no longer the current ones."),
                hint=_("Read the current terms and accept them."), code="terms_outdated",
            )
        with transaction():
            self._store_acceptance(account, tool)

    def _store_acceptance(self, account: Account, tool: Tool) -> None:
        """Record the acceptance of the current terms once."""
        if tool.terms is None or self._terms_accepted(account.id, tool):
            return
        version = tool.terms.version
        TermsAcceptance.create(account=account.id, tool=tool.name, version=version, accepted_at=self._platform.clock.now())
        audit.record(
            "tool.terms_accepted", actor_id=account.id, actor=account.username,
            target=f"tool:{tool.name}", source=self._platform.source, detail={"version": version},
        )

    def check_registration(
        self, actor: Account | int, organisation_id: int, tool_name: str, mode_id: str
    ) -> RegistrationCheck:
        """The recognition check of the wizard: each accepted recognition, met or missing."""
        account = self._actor(actor)
        self._require_member(account, organisation_id, "tool.register")
        tool = self.tool(tool_name)
        mode = self._mode(tool, mode_id)
        known = self._platform.recognitions.names()
        held = self._platform.recognitions.valid_of([account.id], mode.required_recognitions)[account.id]
        held_by_identifier = {row.identifier: row.id for row in held}
        requirements = []
        for identifier in mode.required_recognitions:
            kind = known.get(identifier)
            requirements.append(RequirementCheck(
                identifier=identifier, name=kind.name if kind else identifier,
                issuer=kind.issuer if kind else "", met=identifier in held_by_identifier,
                recognition_id=held_by_identifier.get(identifier),
            ))
        return RegistrationCheck(
            tool=tool.name, mode=mode.id, organisation_id=organisation_id,
            requirements=tuple(requirements), terms=tool.terms,
            terms_accepted=self._terms_accepted(account.id, tool),
            already_registered=self._registration(organisation_id, tool.name, mode.id) is not None,
        )

    def register(
        self,
        actor: Account | int,
        organisation_id: int,
        tool_name: str,
        mode_id: str,
        *,
        recognition_id: int | None = None,
        terms_version: str | None = None,
    ) -> int:
        """Register the tool in this mode for the organisation; return the registration id.

        The actor must be an active member holding one of the mode's recognitions (it becomes
        the mandated recognition) and must accept the current terms. The actor gets the
        mode's first role.
        """
        account = self._actor(actor)
        self._require_member(account, organisation_id, "tool.register")
        tool = self.tool(tool_name)
        mode = self._mode(tool, mode_id)
        target = f"tool:{tool.name}/{mode.id}"
        if self._registration(organisation_id, tool.name, mode.id) is not None:
            raise ConflictError(
                _("{tool} is already registered for this organisation in this mode.").format(tool=tool.title),
                hint=_("Start it from the Tools page, or choose another usage mode."),
                code="already_registered",
            )
        mandate: Recognition | None = None
        if mode.required_recognitions:
            held = self._platform.recognitions.valid_of([account.id], mode.required_recognitions)[account.id]
            if recognition_id is not None:
                held = [row for row in held if row.id == recognition_id]
            if not held:
                self._refuse(
                    "tool.register", account, organisation_id, target, "recognition_missing",
                    _("You do not hold a valid recognition that this usage mode requires."),
                    _("Link your eID card so your recognitions are fetched, or choose another usage mode."),
                )
            mandate = held[0]
        if tool.terms is not None and terms_version != tool.terms.version:
            raise ValidationError(
                _("Accept the terms of use to complete the registration."),
                hint=_("Read the terms and tick the box to accept them."),
                code="terms_not_accepted", field="terms",
            )
        now = self._platform.clock.now()
        try:
            with transaction():
                self._store_acceptance(account, tool)
                registration = ToolRegistration.create(
                    organisation=organisation_id, tool=tool.name, mode=mode.id,
                    mandated_recognition=mandate.id if mandate else None,
                    registered_by=account.id, registered_at=now,
                )
                ToolAccess.create(
                    registration=registration.id, account=account.id, state="granted",
                    role=mode.roles[0].id, changed_by=account.id, changed_at=now,
                )
                audit.record(
                    "tool.registered", actor_id=account.id, actor=account.username,
                    organisation_id=organisation_id, target=target, source=self._platform.source,
                    detail={"mandated_recognition": mandate.identifier if mandate else None},
                )
        except peewee.IntegrityError:
            raise ConflictError(
                _("{tool} is already registered for this organisation in this mode.").format(tool=tool.title),
                hint=_("Start it from the Tools page, or choose another usage mode."),
                code="already_registered",
            ) from None
        return int(registration.id)

    def unregister(self, actor: Account | int, organisation_id: int, tool_name: str, mode_id: str) -> None:
        """Remove the tool's registration in this mode from the organisation; managers only.

        Every employee's access to it goes with it, and the quality remembered for it. The
        organisation registers it again (with its recognition and terms) to use it again.
        """
        account = self._actor(actor)
        self._require_member(account, organisation_id, "tool.unregister", manager=True)
        tool = self.tool(tool_name)
        mode = self._mode(tool, mode_id)
        with transaction():
            registration = self._registration(organisation_id, tool.name, mode.id)
            if registration is None:
                raise NotFoundError(
                    _("{tool} is not registered for this organisation in this mode.").format(tool=tool.title),
                    hint=_("Refresh the page: it may have been removed meanwhile."), code="not_registered",
                )
            accesses = ToolAccess.delete().where(ToolAccess.registration == registration.id).execute()
            QualityChoice.delete().where(
                (QualityChoice.organisation == organisation_id) & (QualityChoice.tool == tool.name)
                & (QualityChoice.mode == mode.id)).execute()
            if ToolRegistration.delete().where(ToolRegistration.id == registration.id).execute() != 1:
                raise NotFoundError(  # removed by someone else between the read and the delete
                    _("{tool} is not registered for this organisation in this mode.").format(tool=tool.title),
                    hint=_("Refresh the page: it may have been removed meanwhile."), code="not_registered",
                )
            audit.record(
                "tool.unregistered", actor_id=account.id, actor=account.username,
                organisation_id=organisation_id, target=f"tool:{tool.name}/{mode.id}",
                source=self._platform.source, detail={"accesses_removed": accesses},
            )

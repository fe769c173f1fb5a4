"""Who may do what in an organisation: checked in the core, for every call.

The actor is re-read from the database on each call (its account must be active), then its
membership of the organisation: only an *active* membership counts, so a pending or blocked
member is treated exactly like a stranger. Every refusal is written to the audit log in a
transaction of its own (the refused change itself rolls back).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.errors import NotFoundError, PermissionDenied
from immo_connect.i18n import _
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.storage import is_postgres, transaction

if TYPE_CHECKING:
    from immo_connect.platform import Platform

ActorRef = Account | int
T = TypeVar("T")


class _Refusal(PermissionDenied):
    """A refusal that carries the audit event to write once its transaction has rolled back."""

    def __init__(self, message: str, hint: str, event: dict[str, Any]) -> None:
        super().__init__(message, hint=hint)
        self.event = event
        self.audited = False


class AccessBase:
    """Authorization and audit helpers shared by the organisation services."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    # -- reading the actor --------------------------------------------------------------------

    def _account(self, actor: ActorRef) -> Account:
        """The actor's account as stored now; refused unless it is active."""
        account_id = actor.id if isinstance(actor, Account) else int(actor)
        account: Account | None = Account.get_or_none(Account.id == account_id)
        if account is None or account.status != "active":
            name = account.username if account is not None else f"account:{account_id}"
            raise self._refused(
                "org.access", account_id, name, None, "",
                _("Your account is not active, so it cannot act for an organisation."),
                _("Sign in again; if the problem remains, contact support."),
                reason="account_inactive",
            )
        return account

    def _organisation(self, organisation_id: int, *, lock: bool = False) -> Organisation:
        query = Organisation.select().where(Organisation.id == int(organisation_id))
        if lock and is_postgres():
            # Serialises manager changes of one organisation (last-manager rule) on PostgreSQL;
            # SQLite transactions already take the write lock at BEGIN.
            query = query.for_update()
        organisation: Organisation | None = query.first()
        if organisation is None:
            raise NotFoundError(
                _("This organisation does not exist (any more)."),
                hint=_("Go back to \"My organisations\" and choose it again."),
                code="organisation_not_found",
            )
        return organisation

    @staticmethod
    def _membership_of(account: Account, organisation_id: int) -> Membership | None:
        membership: Membership | None = Membership.get_or_none(
            (Membership.account == account.id) & (Membership.organisation == int(organisation_id))
        )
        return membership

    # -- checks ---------------------------------------------------------------------------------

    def _check(
        self, action: str, actor: ActorRef, organisation_id: int, *, manager: bool, lock: bool = False
    ) -> tuple[Account, Organisation, Membership]:
        """The actor, organisation and the actor's active membership, or a refusal."""
        account = self._account(actor)
        organisation = self._organisation(organisation_id, lock=lock)
        membership = self._membership_of(account, organisation.id)
        if membership is None or membership.status != "active":
            reason = "not_member" if membership is None else f"membership_{membership.status}"
            raise self._refused(
                action, account.id, account.username, organisation.id, f"organisation:{organisation.id}",
                _("You are not an active member of {name}.").format(name=organisation.name),
                _("A manager of the organisation must confirm your membership first.")
                if membership is not None and membership.status == "pending"
                else _("Ask a manager of the organisation to add you."),
                reason=reason,
            )
        if manager and not membership.is_manager:
            raise self._refused(
                action, account.id, account.username, organisation.id, f"organisation:{organisation.id}",
                _("Only a manager of {name} can do this.").format(name=organisation.name),
                _("Ask one of the organisation's managers."),
                reason="not_manager",
            )
        return account, organisation, membership

    def _refused(
        self, action: str, actor_id: int, actor_name: str, organisation_id: int | None, target: str,
        message: str, hint: str, *, reason: str,
    ) -> PermissionDenied:
        return _Refusal(message, hint, {
            "action": action, "actor_id": actor_id, "actor": actor_name,
            "organisation_id": organisation_id, "target": target, "reason": reason,
        })

    def _audit_refusal(self, error: PermissionDenied) -> None:
        if not isinstance(error, _Refusal) or error.audited:
            return
        info = error.event
        # Written in its own transaction when possible: the refused change rolls back.
        with transaction():
            audit.record(
                info["action"], actor_id=info["actor_id"], actor=info["actor"],
                organisation_id=info["organisation_id"], target=info["target"],
                outcome="refused", source=self.platform.source, detail={"reason": info["reason"]},
            )
        error.audited = True

    @contextmanager
    def _change(self) -> Iterator[None]:
        """One transaction for one change; a refusal inside it is audited after the rollback."""
        try:
            with transaction():
                yield
        except PermissionDenied as error:
            self._audit_refusal(error)
            raise

    def _read(self, function: Callable[[], T]) -> T:
        """Run a read-only check outside any write transaction; refusals audited the same way."""
        try:
            return function()
        except PermissionDenied as error:
            self._audit_refusal(error)
            raise

    def _audit(
        self, action: str, account: Account, *, organisation_id: int | None, target: str,
        detail: dict[str, Any] | None = None,
    ) -> audit.AuditEvent:
        return audit.record(
            action, actor_id=account.id, actor=account.username, organisation_id=organisation_id,
            target=target, outcome="success", source=self.platform.source, detail=detail,
        )

    # -- for the other areas -----------------------------------------------------------------------

    def require_member(self, actor: ActorRef, organisation_id: int) -> Membership:
        """The actor's *active* membership of the organisation, or PermissionDenied (audited).

        Call it before opening your own transaction: a refusal inside an outer transaction is
        rolled back together with it.
        """
        return self._read(lambda: self._check("org.access", actor, organisation_id, manager=False)[2])

    def require_manager(self, actor: ActorRef, organisation_id: int) -> Membership:
        """The actor's active *manager* membership, or PermissionDenied (audited)."""
        return self._read(lambda: self._check("org.manage", actor, organisation_id, manager=True)[2])

"""The helpdesk's actions on someone's account (role helpdesk or admin).

Each one: the operator is checked (never their own account or organisation), the reason is
required, the change, its audit event (operator, reason, what changed) and the mail telling
the account's owner commit together. The accounts, eID and SSH areas' own helpers do the
work where they exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from immo_connect.accounts import activation, sessions
from immo_connect.accounts.models import Account
from immo_connect.accounts.registration import refuse_taken_email
from immo_connect.accounts.required import mask_email
from immo_connect.accounts.validation import clean_email
from immo_connect.errors import ConflictError, NotFoundError, ValidationError
from immo_connect.i18n import N_, _
from immo_connect.operators.access import ActorRef, Operator, OperatorAccess
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.ssh.models import SshKey
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.platform import Platform


class HelpDesk(OperatorAccess):
    def __init__(self, platform: Platform) -> None:
        super().__init__(platform)

    def _start(self, actor: ActorRef, action: str, account_id: int, reason: str,
               capability: str = "help") -> tuple[Operator, str, Account]:
        operator, text = self.operator_with_reason(actor, capability, action, reason, account_id=int(account_id))
        return operator, text, self.target_account(int(account_id))

    def resend_activation(self, actor: ActorRef, account_id: int, reason: str) -> str:
        """A new activation code to the address waiting for it; the masked address."""
        operator, text, account = self._start(actor, "operator.activation_resent", account_id, reason)
        email = activation.pending_email(account)
        if account.status != "pending" and account.email:
            raise ValidationError(_("This account is already active."), hint=_("Nothing to resend."),
                                  code="already_active")
        if not email:
            raise ValidationError(
                _("This account has no e-mail address yet."),
                hint=_("Add the address the person gives you (« Add an e-mail address »)."), code="email_missing")
        now = self.platform.clock.now()
        with transaction():
            self.platform.accounts.send_code(account, "activation", email, now=now)
            self.record(operator, "operator.activation_resent", target=str(account.username), reason=text,
                        changed={"activation_mail": "sent", "to": mask_email(email)})
        return mask_email(email)

    def unlock(self, actor: ActorRef, account_id: int, reason: str) -> None:
        """Lift the wait after failed sign-ins."""
        operator, text, account = self._start(actor, "operator.unlocked", account_id, reason)
        with transaction():
            Account.update(failed_sign_ins=0, locked_until=None).where(Account.id == account.id).execute()
            event = self.record(operator, "operator.unlocked", target=str(account.username), reason=text,
                                changed={"failed_sign_ins": [int(account.failed_sign_ins), 0],
                                         "locked_until": [account.locked_until, None]})
            self.tell_owner(account, N_("the wait after failed sign-ins was lifted"), text, event)

    def set_status(self, actor: ActorRef, account_id: int, status: str, reason: str) -> int:
        """Block, unblock (helpdesk) or delete (admin) an account; sessions ended."""
        action = {"blocked": "operator.blocked", "active": "operator.unblocked", "deleted": "operator.deleted"}
        if status not in action:
            raise ValidationError(_("Unknown account status {status!r}.").format(status=status),
                                  hint=_("Use active, blocked or deleted."))
        operator, text, account = self._start(actor, action[status], account_id, reason,
                                    capability="admin" if status == "deleted" else "help")
        if status == "active" and account.status != "blocked":
            raise ValidationError(
                _("Only a blocked account can be unblocked (this one is {status}).").format(status=account.status),
                hint=_("Check the username."), code="not_blocked")
        now = self.platform.clock.now()
        with transaction():
            Account.update(status=status).where(Account.id == account.id).execute()
            ended = 0 if status == "active" else sessions.end_all(int(account.id), now=now, reason=status)
            if status != "active":
                self.platform.sso.end_all(int(account.id), reason=status)
            event = self.record(operator, action[status], target=str(account.username), reason=text,
                                changed={"status": [str(account.status), status], "sessions_ended": ended})
            words = {"blocked": N_("the account was blocked"), "active": N_("the account was unblocked"),
                     "deleted": N_("the account was deleted")}
            self.tell_owner(account, words[status], text, event)
        return ended

    def end_sessions(self, actor: ActorRef, account_id: int, reason: str) -> int:
        """End every session of the account (terminal and tools); how many ended."""
        operator, text, account = self._start(actor, "operator.sessions_ended", account_id, reason)
        now = self.platform.clock.now()
        with transaction():
            ended = sessions.end_all(int(account.id), now=now, reason="operator")
            tools = self.platform.sso.end_all(int(account.id), reason="operator")
            event = self.record(operator, "operator.sessions_ended", target=str(account.username),
                                reason=text, changed={"sessions_ended": ended, "tool_sign_ins_ended": tools})
            self.tell_owner(account, N_("every session of the account was ended"), text, event)
        return ended

    def remove_ssh_key(self, actor: ActorRef, account_id: int, key_id: int, reason: str) -> None:
        operator, text, account = self._start(actor, "operator.ssh_key_removed", account_id, reason)
        with transaction():
            key: SshKey | None = SshKey.get_or_none((SshKey.id == int(key_id)) & (SshKey.account == account.id))
            if key is None:
                raise NotFoundError(_("This SSH key does not exist (any more)."),
                                    hint=_("Open the account again to see its current keys."),
                                    code="ssh_key_not_found")
            key.delete_instance()
            event = self.record(operator, "operator.ssh_key_removed", target=str(account.username),
                                reason=text, changed={"ssh_key": str(key.fingerprint), "name": str(key.name)})
            self.tell_owner(account, N_("an SSH key of the account was removed"), text, event)

    def add_email(self, actor: ActorRef, account_id: int, email: str, reason: str) -> str:
        """Give an account without an address the one its owner gives; the activation code goes there."""
        operator, text, account = self._start(actor, "operator.email_added", account_id, reason)
        address = clean_email(email)
        if account.email:
            raise ValidationError(_("This account already has an e-mail address."),
                                  hint=_("Its owner changes it under « My account »."), code="email_present",
                                  field="email")
        refuse_taken_email(self.platform.accounts, address)
        now = self.platform.clock.now()
        with transaction():
            self.platform.accounts.send_code(account, "activation", address, now=now)
            self.record(operator, "operator.email_added", target=str(account.username), reason=text,
                        changed={"activation_mail": "sent", "to": mask_email(address)})
        return mask_email(address)

    def unlink_eid(self, actor: ActorRef, account_id: int, reason: str) -> None:
        """Unlink the eID card at its holder's request (a new card, a card linked by mistake)."""
        from immo_connect.eid.models import LinkedCard

        operator, text, account = self._start(actor, "operator.eid_unlinked", account_id, reason)
        if account.eid_linked_at is None:
            raise ConflictError(_("No eID card is linked to this account."), hint=_("Nothing to unlink."),
                                code="eid_not_linked")
        with transaction():
            Account.update(eid_linked_at=None, national_number_hash=None, national_number_encrypted=None).where(
                Account.id == account.id).execute()
            LinkedCard.delete().where(LinkedCard.account == account.id).execute()
            event = self.record(operator, "operator.eid_unlinked", target=str(account.username), reason=text,
                                changed={"eid_linked_at": [account.eid_linked_at, None]})
            self.tell_owner(account, N_("the eID card was unlinked from the account"), text, event)

    def reinstate_manager(self, actor: ActorRef, organisation_id: int, membership_id: int, reason: str) -> None:
        """Make an active member the manager of an organisation left without one; every member is told."""
        operator, text = self.operator_with_reason(actor, "help", "operator.manager_reinstated", reason,
                                                   organisation_id=int(organisation_id))
        organisation: Organisation | None = Organisation.get_or_none(Organisation.id == int(organisation_id))
        membership: Membership | None = Membership.get_or_none(
            (Membership.id == int(membership_id)) & (Membership.organisation == int(organisation_id)))
        if organisation is None or membership is None:
            raise NotFoundError(_("This member is not (or no longer) part of the organisation."),
                                hint=_("Open the account again."), code="employee_not_found")
        with transaction():
            managers = Membership.select().where(
                (Membership.organisation == organisation.id) & (Membership.status == "active")
                & (Membership.is_manager == True)).count()
            if managers:
                raise ConflictError(
                    _("{organisation} still has an active manager.").format(organisation=organisation.name),
                    hint=_("Its managers appoint new ones themselves."), code="has_manager")
            if membership.status != "active":
                raise ConflictError(_("Only an active member can become the manager."),
                                    hint=_("Choose an active member."), code="member_not_active")
            Membership.update(is_manager=True).where(Membership.id == membership.id).execute()
            member: Account = membership.account
            event = self.record(operator, "operator.manager_reinstated", target=str(member.username),
                                reason=text, organisation_id=int(organisation.id),
                                changed={"membership": int(membership.id), "is_manager": [False, True]})
            words = N_("a manager was appointed for an organisation you belong to")
            for row in Membership.select().where((Membership.organisation == organisation.id)
                                                 & (Membership.status == "active")):
                self.tell_owner(row.account, words, f"{organisation.name}: {member.display_name}. {text}", event)

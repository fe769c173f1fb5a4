"""Required actions after sign-in, and the result every sign-in returns.

In order (manual 1.1.2): a missing e-mail address must be entered and activated, an
unactivated account must enter its activation code (both mandatory: the session stays
restricted until they are done), and an unlinked eID is proposed at every sign-in
(optional: it can be skipped; the eID area performs the linking).
"""

from __future__ import annotations

import dataclasses

from immo_connect.accounts.models import Account

ADD_EMAIL = "add_email"
ACTIVATE = "activate"
LINK_EID = "link_eid"
MANDATORY = (ADD_EMAIL, ACTIVATE)


def required_actions(account: Account) -> tuple[str, ...]:
    actions: list[str] = []
    if not account.email:
        actions.append(ADD_EMAIL)
    elif account.status == "pending":
        actions.append(ACTIVATE)
    if account.eid_linked_at is None:
        actions.append(LINK_EID)
    return tuple(actions)


def mask_email(email: str | None) -> str:
    """``a…s@example.be``: enough to recognise one's address, not to learn someone else's."""
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    shown = local[0] + "…" + local[-1] if len(local) > 2 else local[0] + "…"
    return f"{shown}@{domain}"


@dataclasses.dataclass(frozen=True)
class SignedIn:
    """What a front end keeps after signing in (the TUI stores it as ``app.session``)."""

    token: str
    account_id: int
    username: str
    display_name: str
    required_actions: tuple[str, ...]
    email_hint: str = ""
    eid_linked: bool = False  # stays False after "Ignorer": skipping only hides the proposal
    language: str = ""  # the account's language: the front end speaks it from now on

    @property
    def restricted(self) -> bool:
        return any(action in MANDATORY for action in self.required_actions)

    @property
    def next_action(self) -> str | None:
        return self.required_actions[0] if self.required_actions else None

    def without(self, action: str) -> SignedIn:
        """The same session once ``action`` is done or skipped (e.g. the eID proposal)."""
        return dataclasses.replace(
            self, required_actions=tuple(a for a in self.required_actions if a != action)
        )


def signed_in(account: Account, token: str, *, pending_email: str | None = None) -> SignedIn:
    return SignedIn(
        token=token, account_id=int(account.id), username=str(account.username),
        display_name=account.display_name, required_actions=required_actions(account),
        email_hint=mask_email(pending_email or account.email),
        eid_linked=account.eid_linked_at is not None, language=str(account.language),
    )

"""``platform.operators``: the back office's one entry point.

``find``/``view`` for every operator role, ``help`` (:class:`HelpDesk`) for the helpdesk,
``money`` (:class:`MoneyDesk`) for finance, ``roles`` (:class:`OperatorRoles`) for admins, ``reading``
(:class:`OperatorReading`) for what the command line prints.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from immo_connect.operators import find
from immo_connect.operators.access import ActorRef, OperatorAccess, role_of
from immo_connect.operators.find import AccountPage, AccountState, PageKey

if TYPE_CHECKING:
    from immo_connect.operators.help import HelpDesk
    from immo_connect.operators.money import MoneyDesk
    from immo_connect.operators.reading import OperatorReading
    from immo_connect.operators.roles import OperatorRoles
    from immo_connect.platform import Platform


class OperatorService(OperatorAccess):
    def __init__(self, platform: Platform) -> None:
        super().__init__(platform)

    @staticmethod
    def role(account_id: int) -> str | None:
        """The operator role of an account (None for everyone else): what front ends show."""
        return role_of(int(account_id))

    def find(self, actor: ActorRef, query: str, *, after: PageKey | None = None, before: PageKey | None = None,
             page_size: int = find.PAGE_SIZE) -> AccountPage:
        """A page of the accounts found: the first, or the one after/before a page shown."""
        self.operator(actor, "find", "operator.find")
        return find.search(query, after=after, before=before, page_size=page_size)

    def view(self, actor: ActorRef, account_id: int) -> AccountState:
        """An account's state; never the operator's own (they see it in « My account »)."""
        self.operator(actor, "find", "operator.view", account_id=int(account_id))
        return find.state(self.target_account(int(account_id)), now=self.platform.clock.now())

    @functools.cached_property
    def help(self) -> HelpDesk:
        from immo_connect.operators.help import HelpDesk

        return HelpDesk(self.platform)

    @functools.cached_property
    def money(self) -> MoneyDesk:
        from immo_connect.operators.money import MoneyDesk

        return MoneyDesk(self.platform)

    @functools.cached_property
    def reading(self) -> OperatorReading:
        from immo_connect.operators.reading import OperatorReading

        return OperatorReading(self.platform)

    @functools.cached_property
    def roles(self) -> OperatorRoles:
        from immo_connect.operators.roles import OperatorRoles

        return OperatorRoles(self.platform)

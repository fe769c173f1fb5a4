"""``platform.recognitions``: fetch recognitions from the sources and say who holds what.

Sources are asked outside any database transaction (a register may be slow); what they
answer is then written in one transaction. A source that fails keeps the recognitions it
reported before: a broken register must not silently take rights away.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.contracts.recognitions import GrantedRecognition, RecognitionSource
from immo_connect.errors import PermissionDenied, ValidationError
from immo_connect.i18n import _
from immo_connect.recognitions.models import Recognition
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.platform import Platform

log = logging.getLogger("immo_connect.recognitions")


@dataclasses.dataclass(frozen=True)
class KnownRecognition:
    """A recognition some source can grant."""

    identifier: str
    name: str
    issuer: str
    source: str


@dataclasses.dataclass(frozen=True)
class HeldRecognition:
    """A recognition of one person, for display and for rights checks."""

    id: int
    account_id: int
    identifier: str
    name: str
    issuer: str
    source: str
    number: str
    valid_from: dt.date
    valid_until: dt.date | None
    status: str
    valid: bool


@dataclasses.dataclass(frozen=True)
class RefreshReport:
    found: int
    withdrawn: int
    failed_sources: tuple[str, ...] = ()


def load_actor(actor: Account | int) -> Account:
    """Re-read the acting account; only an active account may act."""
    account_id = actor if isinstance(actor, int) else actor.id
    account: Account | None = Account.get_or_none(Account.id == account_id)
    if account is None or account.status != "active":
        raise PermissionDenied(
            _("Your account is not active."),
            hint=_("Sign in again; if your account was blocked, contact support."),
            code="account_inactive",
        )
    return account


class RecognitionService:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    # -- what exists ---------------------------------------------------------------------

    def sources(self) -> list[RecognitionSource]:
        return self._platform.plugins.recognition_sources()

    def known(self) -> list[KnownRecognition]:
        """Every recognition the enabled sources can grant, by issuer then name."""
        found = [
            KnownRecognition(kind.identifier, kind.name, kind.issuer, source.name)
            for source in self.sources()
            for kind in source.recognitions
        ]
        return sorted(found, key=lambda k: (k.issuer, k.name, k.identifier))

    def names(self) -> dict[str, KnownRecognition]:
        return {known.identifier: known for known in self.known()}

    def today(self) -> dt.date:
        return self._platform.clock.now().date()

    # -- who holds what ------------------------------------------------------------------

    def mine(self, actor: Account | int) -> list[HeldRecognition]:
        """The actor's recognitions (current and withdrawn), valid ones first."""
        account = load_actor(actor)
        return self.held(Recognition.select().where(Recognition.account == account.id))

    def held(self, rows: Iterable[Recognition]) -> list[HeldRecognition]:
        """Rows of :class:`Recognition` as display objects, valid first then by name."""
        names = self.names()
        today = self.today()
        result = []
        for row in rows:
            known = names.get(row.identifier)
            result.append(HeldRecognition(
                id=row.id, account_id=row.account_id, identifier=row.identifier,
                name=known.name if known else row.identifier,
                issuer=known.issuer if known else row.source,
                source=row.source, number=row.number, valid_from=row.valid_from,
                valid_until=row.valid_until, status=row.status, valid=row.is_valid_on(today),
            ))
        return sorted(result, key=lambda h: (not h.valid, h.name, h.id))

    def valid_of(self, account_ids: Iterable[int], identifiers: Iterable[str]) -> dict[int, list[Recognition]]:
        """Valid recognitions of several accounts among ``identifiers``, in one query."""
        ids, wanted = list(set(account_ids)), list(set(identifiers))
        found: dict[int, list[Recognition]] = {account_id: [] for account_id in ids}
        if not ids or not wanted:
            return found
        today = self.today()
        rows = Recognition.select().where(
            Recognition.account.in_(ids), Recognition.identifier.in_(wanted), Recognition.status == "current",
        )
        for row in rows:
            if row.is_valid_on(today):
                found[row.account_id].append(row)
        return found

    # -- fetching ------------------------------------------------------------------------

    def refresh(self, account: Account | int) -> RefreshReport:
        """Ask every source about the person who owns ``account`` and store the answers.

        The eID service calls this right after linking a card; the "Reconnaissances" screen
        calls it on demand (through :meth:`refresh_mine`).
        """
        account_id = account if isinstance(account, int) else account.id
        current: Account | None = Account.get_or_none(Account.id == account_id)
        if current is None:
            raise ValidationError(_("This account does not exist."), hint=_("Check the account and try again."))
        if current.eid_linked_at is None:
            raise ValidationError(
                _("Recognitions are fetched once your eID card is linked."),
                hint=_("Link your eID card first (menu: Link the eID)."),
                code="eid_not_linked",
            )
        national_number = self._platform.eid.national_number(current)
        answers: dict[str, list[GrantedRecognition]] = {}
        failed: list[str] = []
        for source in self.sources():
            try:
                granted = source.lookup(national_number)
            except Exception as error:  # noqa: BLE001 - one broken register must not stop the others
                log.error("recognition source %s failed: %s", source.name, type(error).__name__)
                failed.append(source.name)
                continue
            declared = {kind.identifier for kind in source.recognitions}
            answers[source.name] = [g for g in granted if g.identifier in declared]
            if len(answers[source.name]) != len(granted):
                log.warning("recognition source %s returned undeclared recognitions; ignored", source.name)
        return self._store(current, answers, failed)

    def refresh_mine(self, actor: Account | int) -> RefreshReport:
        return self.refresh(load_actor(actor))

    def _store(
        self, account: Account, answers: dict[str, list[GrantedRecognition]], failed: list[str]
    ) -> RefreshReport:
        now = self._platform.clock.now()
        found = withdrawn = 0
        with transaction():
            existing = {
                (row.source, row.identifier): row
                for row in Recognition.select().where(Recognition.account == account.id)
            }
            for source_name, granted in answers.items():
                seen: set[str] = set()
                for grant in granted:
                    if grant.identifier in seen:
                        continue  # a register listing a person twice: the first line counts
                    seen.add(grant.identifier)
                    found += 1
                    row = existing.get((source_name, grant.identifier))
                    values = {
                        "number": grant.number[:64], "valid_from": grant.valid_from,
                        "valid_until": grant.valid_until, "status": "current", "fetched_at": now,
                    }
                    if row is None:
                        Recognition.create(account=account.id, source=source_name, identifier=grant.identifier, **values)
                    else:
                        Recognition.update(**values).where(Recognition.id == row.id).execute()
                for (row_source, identifier), row in existing.items():
                    if row_source == source_name and identifier not in seen and row.status == "current":
                        Recognition.update(status="withdrawn", fetched_at=now).where(Recognition.id == row.id).execute()
                        withdrawn += 1
            audit.record(
                "recognitions.refreshed", actor_id=account.id, actor=account.username,
                target=f"account:{account.id}", outcome="failed" if failed and not answers else "success",
                source=self._platform.source,
                detail={"found": found, "withdrawn": withdrawn, "failed_sources": failed},
            )
        return RefreshReport(found, withdrawn, tuple(failed))

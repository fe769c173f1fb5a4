"""CadastreFinder searches: checked against the tool context, charged, and logged.

Every search is charged to the organisation's wallet and kept in a log (the register's
conditions require that searches can be checked afterwards). The search runs first and
costs nothing; only a search that ran is charged, and its results are shown only once the
charge went through.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

import peewee

from immo_connect.errors import ValidationError
from immo_connect.i18n import N_, _
from immo_connect.plugins.tools.cadastrefinder.parcels import Parcel, ParcelIndex, ParcelQuery, QueryError
from immo_connect.storage import BaseModel, Migration, transaction
from immo_connect.text import check_free_text

if TYPE_CHECKING:
    from immo_connect.platform import Platform
    from immo_connect.tools import ToolContext
    from immo_connect.wallet.models import WalletTransaction

TOOL_NAME = "cadastrefinder"
PRICE_ACTION = "search"


class CadastreSearch(BaseModel):
    """One charged search: who, for which organisation, with which criteria and result count."""

    id = peewee.BigAutoField()
    organisation_id = peewee.BigIntegerField(index=True)
    account_id = peewee.BigIntegerField(index=True)
    mode = peewee.CharField(max_length=64)
    criteria = peewee.TextField()
    results = peewee.IntegerField()
    transaction_ref = peewee.CharField(max_length=64, default="")
    searched_at = peewee.DateTimeField()


def _create(db: peewee.Database) -> None:
    db.create_tables([CadastreSearch])


MIGRATIONS = [Migration(1, N_("cadastre search log"), _create)]

_MESSAGES = {
    "municipality": lambda: _("Give at least one search criterion."),
    "section": lambda: _("A section is one letter, like A."),
    "parcel": lambda: _("Write the parcel number like 0123, 0123/45 or 0123/45A."),
}


@dataclasses.dataclass(frozen=True)
class SearchResult:
    parcels: tuple[Parcel, ...]
    price_cents: int
    transaction: WalletTransaction
    search_id: int


_indexes: dict[str, ParcelIndex] = {}


def parcel_index(platform: Platform) -> ParcelIndex:
    """The data set the plugin's configuration points to (or the one it ships)."""
    config = platform.plugins.config("cadastrefinder")
    path = getattr(config, "parcels", None)
    key = str(path or "")
    if key not in _indexes:
        _indexes[key] = ParcelIndex(path)
    return _indexes[key]


def search(platform: Platform, context: ToolContext, query: ParcelQuery, *, idempotency_key: str) -> SearchResult:
    """Search parcels under ``context`` and charge the search to the organisation's wallet."""
    if context.tool != TOOL_NAME:
        raise ValidationError(_("This context belongs to another tool."), hint=_("Start CadastreFinder again."))
    for field, value in dataclasses.asdict(query).items():  # before anything is charged or logged
        check_free_text(str(value), field=field)
    platform.tools.authorize(context)
    try:
        parcels = parcel_index(platform).search(query)
    except QueryError as error:
        raise ValidationError(_MESSAGES[error.field](), hint=_("Correct the search criteria."), field=error.field) from None
    except OSError:
        raise ValidationError(
            _("The parcel data set cannot be read."),
            hint=_("Ask the operator to check the parcels path of CadastreFinder in plugins.toml."),
        ) from None
    criteria = query.as_dict()
    summary = ", ".join(f"{k}={v}" for k, v in criteria.items())
    tool = platform.tools.tool(TOOL_NAME)
    price = tool.price(PRICE_ACTION)
    charged = platform.tools.charge(
        context, PRICE_ACTION, description=_("Cadastral search: {criteria}").format(criteria=summary)[:200],
        idempotency_key=idempotency_key, confidential=True,  # who was checked / which parcel: its users only
    )
    with transaction():
        row = CadastreSearch.create(
            organisation_id=context.organisation_id, account_id=context.account_id, mode=context.mode,
            criteria=json.dumps(criteria, sort_keys=True), results=len(parcels),
            transaction_ref=str(charged.id), searched_at=platform.clock.now(),
        )
    return SearchResult(tuple(parcels), price.amount_cents if price else 0, charged, int(row.id))


def history(platform: Platform, context: ToolContext, *, limit: int = 20) -> list[dict[str, Any]]:
    """The organisation's latest searches (under a context that is still valid)."""
    platform.tools.authorize(context)
    rows = (
        CadastreSearch.select().where(CadastreSearch.organisation_id == context.organisation_id)
        .order_by(CadastreSearch.id.desc()).limit(limit)
    )
    return [
        {"at": row.searched_at, "criteria": json.loads(row.criteria), "results": row.results,
         "account_id": row.account_id}
        for row in rows
    ]

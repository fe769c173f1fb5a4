"""Finding accounts pages by keyset: more rows than one page, walked forwards and backwards,
stable when accounts are added or removed meanwhile; on SQLite and PostgreSQL."""

from __future__ import annotations

from immo_connect.accounts.models import Account
from immo_connect.clock import utcnow
from immo_connect.operators.find import AccountPage
from immo_connect.platform import Platform
from immo_connect.storage import transaction
from tests.support.operators import make_operator

SIZE = 50


def accounts(prefix: str, count: int, *, last_name: str = "Martin", first_name: str = "Émile") -> None:
    """``count`` accounts with the same last name (first names decide the order), in one statement."""
    now = utcnow()
    rows = [{"username": f"{prefix}{n:04d}", "email": f"{prefix}{n:04d}@example.be", "first_name": f"{first_name} {n:04d}",
             "last_name": last_name, "status": "active", "created_at": now} for n in range(count)]
    with transaction():
        Account.insert_many(rows).execute()


def names(page: AccountPage) -> list[str]:
    return [row.username for row in page.rows]


def test_every_page_forwards_and_backwards(any_platform: Platform) -> None:
    accounts("m", 2 * SIZE + 17)
    accounts("s", 3, last_name="Smet")  # sorted after every Martin
    helper = make_operator("hugo.help", "helpdesk")
    find = any_platform.operators.find
    pages = [find(helper, "mar", page_size=SIZE)]
    while pages[-1].has_next:
        pages.append(find(helper, "mar", after=pages[-1].last, page_size=SIZE))
    assert [len(p.rows) for p in pages] == [SIZE, SIZE, 17]
    assert [p.page for p in pages] == [1, 2, 3] and {p.total for p in pages} == {2 * SIZE + 17}
    assert pages[0].pages == 3 and not pages[0].has_previous and not pages[-1].has_next
    seen = [name for page in pages for name in names(page)]
    assert seen == [f"m{n:04d}" for n in range(2 * SIZE + 17)]  # in name order, each once
    back = find(helper, "mar", before=pages[-1].first, page_size=SIZE)
    assert names(back) == names(pages[1]) and back.page == 2 and back.has_previous and back.has_next
    assert names(find(helper, "mar", before=back.first, page_size=SIZE)) == names(pages[0])


def test_pages_stay_in_place_when_accounts_are_added_or_removed(any_platform: Platform) -> None:
    accounts("m", 2 * SIZE)
    helper = make_operator("hugo.help", "helpdesk")
    find = any_platform.operators.find
    first = find(helper, "martin", page_size=SIZE)
    accounts("a", 7, first_name="Aaron")  # sorted before every account shown: an offset would repeat 7 rows
    second = find(helper, "martin", after=first.last, page_size=SIZE)
    assert names(second) == [f"m{n:04d}" for n in range(SIZE, 2 * SIZE)]
    assert second.total == 2 * SIZE + 7 and second.page == 2 and second.has_previous
    with transaction():  # the last row shown disappears: the next page still starts right after it
        Account.update(status="deleted").where(Account.username == f"m{SIZE - 1:04d}").execute()
    again = find(helper, "martin", after=first.last, page_size=SIZE)
    assert names(again) == names(second)
    previous = find(helper, "martin", before=second.first, page_size=SIZE)
    assert names(previous)[-1] == f"m{SIZE - 2:04d}" and len(previous.rows) == SIZE

"""Free text with control characters is refused with one clear error, on SQLite and PostgreSQL.

Before the shared check, a NUL in a function reached PostgreSQL and came back as
"unexpected error"; ESC and BEL were stored and later acted on other users' terminals.
"""

from __future__ import annotations

import pytest

from immo_connect.errors import ValidationError
from immo_connect.organisations.data import AddressData
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.platform import Platform
from immo_connect.text import check_free_text, has_control_characters
from tests.support.factories import make_account
from tests.support.organisations import employee_data, organisation_data

NUMBER = "0403.019.261"
CONTROLS = ["\x00", "\x1b[2J", "\x07", "\x9b", "\x7f", "a\rb"]


@pytest.mark.parametrize("control", CONTROLS)
def test_the_shared_check_refuses_every_control_character(control: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_free_text(f"Agent {control}", field="function", label="Fonction")
    assert (refused.value.code, refused.value.field) == ("control_characters", "function")
    assert "Fonction" in str(refused.value)


def test_multi_line_text_keeps_its_line_breaks_and_tabs() -> None:
    assert not has_control_characters("Ligne 1\nLigne 2\tfin\r\n", multiline=True)
    assert has_control_characters("Ligne 1\nLigne 2")
    assert has_control_characters("a\x00b", multiline=True)
    assert check_free_text("Agent [/] [@click=app.quit]", field="function") == "Agent [/] [@click=app.quit]"


@pytest.mark.parametrize(("where", "field"), [
    ("function", "function"), ("name", "name"), ("street", "address.street"), ("description", "description"),
    ("website", "website"), ("email", "email"),
])
def test_organisation_services_refuse_control_characters_on_both_engines(
    any_platform: Platform, where: str, field: str,
) -> None:
    service = any_platform.organisations
    alice = make_account("alice", first_name="Alice", last_name="Dumont")
    bob = make_account("bob", first_name="Bob", last_name="Lambert")
    org = service.create(alice, organisation_data(), employee_data("Gérante"), enterprise_number=NUMBER)
    nul = "Agent\x00immobilier" if where != "email" else "info\x00@agence.be"
    if where == "function":
        attempt = lambda: service.request_to_join(bob, NUMBER, employee_data(nul))  # noqa: E731
    elif where == "street":
        address = AddressData(street=nul, number="12", postal_code="1000", city="Bruxelles")
        attempt = lambda: service.update(alice, org.id, organisation_data(addresses=(address,)))  # noqa: E731
    elif where == "website":
        attempt = lambda: service.update(alice, org.id, organisation_data(website="https://a.be/\x1b[2J"))  # noqa: E731
    else:
        attempt = lambda: service.update(alice, org.id, organisation_data(**{where: nul}))  # noqa: E731
    with pytest.raises(ValidationError) as refused:
        attempt()
    assert (refused.value.code, refused.value.field) == ("control_characters", field)
    assert Membership.select().where(Membership.account == bob.id).count() == 0
    assert "\x00" not in Organisation.get_by_id(org.id).name + Organisation.get_by_id(org.id).description

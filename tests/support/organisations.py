"""Valid inputs for the organisation services, for the organisation tests."""

from __future__ import annotations

from immo_connect.organisations.data import AddressData, EmployeeData, OrganisationData


def organisation_data(name: str = "Agence du Parc", **changes: object) -> OrganisationData:
    values: dict[str, object] = {
        "name": name, "legal_form": "srl",
        "addresses": (AddressData(street="Rue Royale", number="12", postal_code="1000", city="Bruxelles"),),
        "email": "info@agence-du-parc.be", "phone": "+32 2 512 34 56",
    }
    values.update(changes)
    return OrganisationData(**values)  # type: ignore[arg-type]


def employee_data(function: str = "Agent immobilier", **changes: object) -> EmployeeData:
    values: dict[str, object] = {"function": function, "work_email": "work@agence-du-parc.be",
                                 "work_phone": "+32 2 512 34 57"}
    values.update(changes)
    return EmployeeData(**values)  # type: ignore[arg-type]

"""The hooks of Immo-Connect: the whole contract between the core and its plugins.

A plugin is a module (or object) whose functions carry ``@hookimpl`` and have the name of
one of the specs below. An implementation may accept a subset of the arguments. Every hook
is documented in ``docs/plugins.md`` (a test keeps the two in step).

Two shapes:

* **register hooks** receive a ``register`` callback and call it once per contribution (a
  tool, a recognition source, a payment method). The host tags each contribution with the
  plugin that made it, validates it and refuses duplicates. They also receive ``config``, the
  plugin's own validated table from ``plugins.toml`` (or ``None`` without a schema).
* **event hooks** are told about something that happened, after its transaction committed.
  A failing event hook is reported and isolated: it never undoes or blocks the change.
"""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT = "immo_connect"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# -- configuration ---------------------------------------------------------------------


@hookspec
def immo_connect_config_schema() -> type | None:
    """Declare the schema of this plugin's ``[plugins.<name>]`` table.

    Return a frozen dataclass: its fields are the allowed keys, their annotations the types
    (``str``, ``int``, ``float``, ``bool``, ``Path``, ``list[str]``, ``Literal[...]``, or
    :class:`immo_connect.config_schema.Secret` for values given as ``{ env = "VAR" }``) and
    their defaults make keys optional. Unknown keys are refused before the plugin runs.
    The validated instance is passed as ``config`` to this plugin's register hooks.
    """


@hookspec
def immo_connect_register_migrations(register: Any) -> None:
    """Add database tables owned by this plugin.

    Call ``register(component, migrations)`` with a unique component name and a list of
    :class:`immo_connect.storage.Migration`; they run after the core's own migrations.
    """


@hookspec
def immo_connect_translations() -> tuple[Any, str] | None:
    """Say where this plugin's own catalogs are: ``(folder, domain)``.

    ``folder`` holds ``fr/LC_MESSAGES/<domain>.po`` and ``nl/LC_MESSAGES/<domain>.po``
    (English is the text of the code). The plugin writes its texts in English marked with
    ``immo_connect.i18n._`` or ``N_``; they are then shown in each person's language, next
    to the platform's own texts (which keep the platform's words). See docs/plugins.md.
    """


# -- contributions ---------------------------------------------------------------------


@hookspec
def immo_connect_register_tools(register: Any, config: Any) -> None:
    """Contribute professional tools.

    Call ``register(tool)`` once per tool, with a :class:`immo_connect.contracts.Tool`
    describing its name, descriptions, support contact, usage modes (with the recognitions
    each requires and the roles it offers), terms of use and prices.
    """


@hookspec
def immo_connect_register_recognition_sources(register: Any, config: Any) -> None:
    """Contribute sources of professional recognitions (registers of agents, notaries, …).

    Call ``register(source)`` once per source, with a
    :class:`immo_connect.contracts.RecognitionSource`: it declares the recognitions it can
    grant and looks a person up by national register number.
    """


@hookspec
def immo_connect_register_payment_methods(register: Any, config: Any) -> None:
    """Contribute ways to top up a wallet (online payment providers, bank transfer).

    Call ``register(method)`` once per method, with a
    :class:`immo_connect.contracts.PaymentMethod`. Its calls move money: errors raised in
    them propagate so the surrounding transaction rolls back.
    """


# -- identity events --------------------------------------------------------------------


@hookspec
def immo_connect_account_created(account: Any) -> None:
    """An account was registered (or imported from an earlier tool). Not yet activated."""


@hookspec
def immo_connect_account_activated(account: Any) -> None:
    """An account's e-mail address was confirmed with its activation code."""


@hookspec
def immo_connect_eid_linked(account: Any) -> None:
    """An eID card was verified and linked to ``account``; recognitions may now be fetched."""


# -- organisation events -----------------------------------------------------------------


@hookspec
def immo_connect_organisation_created(organisation: Any, actor: Any) -> None:
    """``actor`` created ``organisation`` and became its first manager."""


@hookspec
def immo_connect_membership_requested(membership: Any) -> None:
    """Someone asked to join an organisation; the request waits for a manager."""


@hookspec
def immo_connect_membership_confirmed(membership: Any, actor: Any) -> None:
    """A manager (``actor``) confirmed or re-activated a membership."""


@hookspec
def immo_connect_membership_blocked(membership: Any, actor: Any) -> None:
    """A manager (``actor``) blocked a member: the member can no longer act for the organisation."""


@hookspec
def immo_connect_membership_removed(membership: Any, actor: Any) -> None:
    """A manager (``actor``) removed a member from the organisation."""


# -- wallet events -------------------------------------------------------------------------


@hookspec
def immo_connect_transaction_posted(transaction: Any) -> None:
    """A wallet transaction was committed (succeeded or failed).

    Told after the fact: an error here never reverses the transaction.
    """


# -- invoices ------------------------------------------------------------------------------


@hookspec
def immo_connect_deliver_invoice(invoice: Any, config: Any) -> None:
    """Deliver one issued invoice or credit note (a Peppol access point, a folder, an archive).

    ``invoice`` is an :class:`immo_connect.contracts.invoices.IssuedInvoice`: its number,
    kind, month, buyer (name and enterprise number, the Peppol identifier under scheme
    ``0208``), total, and the document as ``pdf`` and ``xml`` (UBL 2.1, Peppol BIS Billing
    3.0) bytes; ``config`` is the plugin's own validated table. Called after the invoice was
    committed, once per document. Raising marks the
    delivery failed: the document is offered again, to every delivery plugin, at the next
    ``immo-connect invoices run``; so deliver idempotently by number.
    """

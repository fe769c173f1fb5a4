"""Files made from a wallet: the CSV export and the PDF vouchers, and the ledger check.

Files for a user are written under ``<data_dir>/exports/<username>/`` and their path is
returned: the UI also runs over SSH, so it never opens a file dialog on the server; the user
fetches the file from that folder (or the operator hands it over).
"""

from __future__ import annotations

import codecs
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from immo_connect import audit, i18n
from immo_connect.files import write_file
from immo_connect.organisations.models import Organisation
from immo_connect.storage import transaction
from immo_connect.wallet import _validate as check
from immo_connect.wallet import export, invariants, shown
from immo_connect.wallet._access import Actor, ActorRef, member_of
from immo_connect.wallet._views import NO_FILTER, TransactionFilter, to_local
from immo_connect.wallet.models import Wallet, WalletTransaction
from immo_connect.wallet.rights import RIGHT_VIEW

if TYPE_CHECKING:
    from immo_connect.platform import Platform
    from immo_connect.wallet.voucher import VoucherData


def _card_of(tx: WalletTransaction) -> str:
    """The card brand (or Bancontact) of an online top-up, from its payment."""
    if tx.kind != "online_topup":
        return ""
    from immo_connect.contracts.payments import CARD_OPTIONS
    from immo_connect.payments.models import Payment

    payment: Payment | None = (Payment.select().where((Payment.transaction_id == tx.id)
                                                      | (Payment.provider_payment_id == tx.reference)).first()
                               if tx.reference else Payment.get_or_none(Payment.transaction_id == tx.id))
    if payment is None:
        return ""
    titles = {option.code: option.title for option in CARD_OPTIONS}
    return titles.get(str(payment.option), str(payment.option))


class WalletDocuments:
    platform: Platform

    def ensure_wallet(self, organisation_id: int) -> Wallet:  # provided by WalletService
        raise NotImplementedError

    def _readable(self, actor: ActorRef, transaction_id: int) -> tuple[WalletTransaction, Wallet, Actor]:
        raise NotImplementedError  # provided by WalletViews

    def _counterparts(self, rows: list[WalletTransaction]) -> dict[int, str]:  # by WalletViews
        raise NotImplementedError

    def export_folder(self, username: str) -> Path:
        """The folder where files made for ``username`` are written."""
        return self.platform.settings.data_dir / "exports" / export.safe_name(username)

    def _tool_titles(self) -> dict[str, str]:
        return {tool.name: (getattr(tool, "title", "") or tool.name) for tool in self.platform.plugins.tools()}

    def write_csv(self, actor: ActorRef, organisation_id: int, out: BinaryIO,
                  filters: TransactionFilter = NO_FILTER) -> None:
        """Stream the filtered history as CSV (UTF-8) into the binary stream ``out``."""
        organisation_id = check.organisation_id(organisation_id)
        member = member_of(self.platform, actor, organisation_id, right=RIGHT_VIEW, action="wallet.export")
        wallet = self.ensure_wallet(organisation_id)
        who = shown.viewer(member.id, organisation_id, member.is_manager)
        export.write_csv(out, int(wallet.id), filters, self._tool_titles(), who)
        with transaction():
            audit.record("wallet.export", actor_id=member.id, actor=member.username,
                         organisation_id=organisation_id, target=f"wallet:{wallet.id}",
                         source=self.platform.source, detail={"filters": repr(filters)})

    def export_csv(self, actor: ActorRef, organisation_id: int,
                   filters: TransactionFilter = NO_FILTER) -> Path:
        """Write the filtered history to a CSV file in the actor's export folder; its path."""
        organisation_id = check.organisation_id(organisation_id)
        member = member_of(self.platform, actor, organisation_id, right=RIGHT_VIEW, action="wallet.export")
        organisation: Organisation = Organisation.get_by_id(organisation_id)
        stamp = to_local(self.platform.clock.now()).strftime("%Y%m%d-%H%M%S")
        path = self.export_folder(member.username) / f"wallet-{organisation.enterprise_number}-{stamp}.csv"

        def write(out: BinaryIO) -> None:
            out.write(codecs.BOM_UTF8)  # tells Excel the file is UTF-8
            self.write_csv(member.id, organisation_id, out, filters)

        write_file(path, write)
        return path

    def _voucher(self, actor: ActorRef, transaction_id: int) -> tuple[VoucherData, Actor]:
        """What the voucher of one transaction shows (active members only), and the actor."""
        from immo_connect.wallet.voucher import VoucherData

        tx, wallet, member = self._readable(actor, transaction_id)
        organisation: Organisation = Organisation.get_by_id(wallet.organisation_id)
        counterpart = next(iter(self._counterparts([tx]).values()), "")  # one row: one name at most
        tool_title = self._tool_titles().get(str(tx.tool), str(tx.tool))
        who = shown.viewer(member.id, int(wallet.organisation_id), member.is_manager)
        by = shown.by_label(tx, shown.names([tx.actor_id]))
        return VoucherData(tx, wallet, organisation, counterpart, tool_title, shown.description(tx, who), by,
                           _card_of(tx), self._vat_of(tx)), member

    def _vat_of(self, tx: WalletTransaction) -> tuple[int, Decimal, int, int] | None:
        """A succeeded tool charge's price before VAT, VAT rate, VAT and total (VAT included)."""
        if tx.kind != "tool_usage" or tx.status != "succeeded":
            return None
        from immo_connect.invoices.amounts import net_for_gross

        section = self.platform.settings.invoices
        rate = Decimal(str(section.tool_vat_rates.get(str(tx.tool), section.vat_rate)))
        total = -int(tx.amount)
        net = net_for_gross(total, rate)
        return net, rate, total - net, total

    def voucher_pdf(self, actor: ActorRef, transaction_id: int) -> bytes:
        """The "Bon de transaction" of one transaction as PDF bytes (active members only)."""
        from immo_connect.wallet import voucher  # fpdf2 is only loaded when a voucher is made

        data, member = self._voucher(actor, transaction_id)
        return voucher.render(data, self.platform.settings.platform, self._language_of(member))

    def voucher_file(self, actor: ActorRef, transaction_id: int) -> Path:
        """Write the voucher to the actor's export folder; its path."""
        from immo_connect.wallet import voucher

        data, member = self._voucher(actor, transaction_id)
        content = voucher.render(data, self.platform.settings.platform, self._language_of(member))
        tx = data.transaction
        number = tx.number if tx.number is not None else f"p{tx.id}"
        path = self.export_folder(member.username) / f"voucher-{data.organisation.enterprise_number}-{number}.pdf"
        write_file(path, lambda out: out.write(content))
        return path

    def _language_of(self, member: Actor) -> str:
        from immo_connect.accounts.models import Account

        account: Account | None = Account.get_or_none(Account.id == member.id)
        return str(account.language) if account is not None and account.language else i18n.get_language()

    def verify(self) -> list[str]:
        """Every broken ledger invariant, one line each (empty when the ledger is sound)."""
        return invariants.verify()

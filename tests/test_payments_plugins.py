"""A vendor's payment plugin: its hooks, its own table, its configuration; a broken one is isolated."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable
from typing import Any

import peewee
import pytest

from immo_connect import hookimpl
from immo_connect.contracts.payments import (
    PaymentLimits,
    PaymentMethod,
    PaymentOption,
    PaymentRequest,
    ProviderPayment,
)
from immo_connect.errors import ConfigurationError, ValidationError
from immo_connect.platform import Platform
from immo_connect.storage import BaseModel, Migration, transaction
from immo_connect.wallet.models import WalletTransaction
from tests.support.factories import make_account, make_organisation


class VendorPaymentRow(BaseModel):
    id = peewee.CharField(primary_key=True)
    key = peewee.CharField(unique=True)
    amount_cents = peewee.BigIntegerField()
    status = peewee.CharField()


@dataclasses.dataclass(frozen=True)
class VendorConfig:
    minimum_eur: int = 10


class VendorPay(PaymentMethod):
    name = "vendorpay"
    title = "VendorPay"
    kind = "online"

    def __init__(self, config: VendorConfig) -> None:
        self.limits = PaymentLimits(config.minimum_eur * 100, 1000_00)
        self.options = (PaymentOption("bancontact", "Bancontact", "bcmc"),)

    def create_payment(self, request: PaymentRequest) -> ProviderPayment:
        with transaction():
            row, _created = VendorPaymentRow.get_or_create(
                key=request.idempotency_key,
                defaults={"id": "vp_" + secrets.token_hex(4), "amount_cents": request.amount_cents, "status": "paid"},
            )
        return self.get_payment(row.id)

    def get_payment(self, provider_payment_id: str) -> ProviderPayment:
        row = VendorPaymentRow.get_by_id(provider_payment_id)
        return ProviderPayment(row.id, row.status, row.amount_cents, checkout_url="")


class VendorPlugin:
    __name__ = "vendorpay"

    @hookimpl
    def immo_connect_config_schema(self) -> type:
        return VendorConfig

    @hookimpl
    def immo_connect_register_migrations(self, register: Any) -> None:
        register("vendorpay", [Migration(1, "vendor payments", lambda db: db.create_tables([VendorPaymentRow]))])

    @hookimpl
    def immo_connect_register_payment_methods(self, register: Any, config: VendorConfig) -> None:
        register(VendorPay(config))


class BrokenPaymentPlugin:
    __name__ = "brokenpay"

    @hookimpl
    def immo_connect_register_payment_methods(self, register: Any) -> None:
        raise RuntimeError("merchant account missing")


def test_vendor_payment_method_is_offered_and_credits_once(make_platform: Callable[..., Platform]) -> None:
    platform = make_platform(
        config_text="[plugins.vendorpay]\nminimum_eur = 15\n[plugins.sandbox]\nenabled = true\n",
        extra_plugins={"vendorpay": VendorPlugin(), "brokenpay": BrokenPaymentPlugin()},
    )
    names = {m.name for m in platform.payments.methods()}
    assert names == {"bank_transfer", "sandbox", "vendorpay"}  # the broken plugin is left out
    states = {p.name: p.state for p in platform.plugins.plugins()}
    assert states["brokenpay"] == "failed" and states["vendorpay"] == "enabled"
    assert [m.name for m in platform.payments.online_methods()] == ["vendorpay", "sandbox"]  # real before demo

    manager = make_account()
    organisation = make_organisation(manager)
    # This provider reports "paid" at once: the top-up is credited as it is created.
    payment = platform.payments.start_topup(manager, organisation.id, 20_00)
    assert (payment.provider, payment.status, payment.credited_at is not None) == ("vendorpay", "paid", True)
    assert platform.payments.refresh(payment.id).transaction_id == WalletTransaction.get().id
    assert VendorPaymentRow.select().count() == 1
    with pytest.raises(ValidationError) as caught:
        platform.payments.start_topup(manager, organisation.id, 14_99)
    assert "15,00 €" in str(caught.value)


def test_vendor_configuration_is_checked(make_platform: Callable[..., Platform]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        make_platform(config_text="[plugins.vendorpay]\nminimum = 15\n", extra_plugins={"vendorpay": VendorPlugin()})
    assert "minimum" in str(caught.value) and "[plugins.vendorpay]" in str(caught.value)

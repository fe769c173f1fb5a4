"""Helpers for top-up tests: a platform whose Mollie plugin talks to the fake Mollie server."""

from __future__ import annotations

import urllib.parse
import urllib.request
from pathlib import Path

from immo_connect.config import load_settings
from immo_connect.platform import Platform, create_platform
from tests.support.fake_mollie import FakeMollie

# The sandbox payment method runs only when asked for, as the demo configuration does.
SANDBOX_ON = "[plugins.sandbox]\nenabled = true\n"


def mollie_config(fake: FakeMollie, *, extra: str = "", webhook_url: str = "") -> str:
    hook = f'webhook_url = "{webhook_url}"\n' if webhook_url else ""
    return (
        "[plugins.mollie]\n"
        'api_key = { env = "MOLLIE_API_KEY" }\n'
        f'base_url = "{fake.base_url}"\n'
        'redirect_url = "https://www.immo-connect.be/wallet/topup/done"\n'
        f"{hook}{extra}"
    )


def build_platform(tmp_path: Path, url: str, config_text: str | None, *, api_key: str, migrate: bool = True,
                   clock: object = None) -> Platform:
    """A platform reading ``config_text``, with MOLLIE_API_KEY set in its environment.

    With ``config_text=None`` the platform reads the ``plugins.toml`` already written in
    ``tmp_path``: worker processes must not rewrite a file their siblings are reading.
    """
    config = tmp_path / "plugins.toml"
    if config_text is not None:
        config.write_text(config_text)
    environ = {"IMMO_CONNECT_DATA_DIR": str(tmp_path / "data"), "MOLLIE_API_KEY": api_key}
    settings = load_settings(config, environ=environ, database_url=url)
    kwargs = {"clock": clock} if clock is not None else {}
    return create_platform(settings, environ=environ, load_entrypoints=False, migrate=migrate, **kwargs)  # type: ignore[arg-type]


def pay_at_checkout(checkout_url: str, status: str = "paid") -> str:
    """Play the payer on the fake provider's checkout page (a real HTTP form post)."""
    data = urllib.parse.urlencode({"status": status}).encode()
    with urllib.request.urlopen(urllib.request.Request(checkout_url, data=data, method="POST"), timeout=10) as page:
        return page.read().decode()

"""A vendor plugin: greets new accounts (writes a line to a file named in its configuration)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from immo_connect import hookimpl


@dataclasses.dataclass(frozen=True)
class Config:
    greeting: str = "Bienvenue"
    log_file: Path | None = None


@hookimpl
def immo_connect_config_schema() -> type:
    return Config


@hookimpl
def immo_connect_account_created(account: Any) -> None:
    pass

"""Shared fixtures: real databases (SQLite file and a throwaway PostgreSQL cluster) and platforms."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from immo_connect import i18n
from immo_connect.clock import FrozenClock
from immo_connect.config import load_settings
from immo_connect.platform import Platform, create_platform
from tests.support.eid import eid_reader, eid_stack, pkis  # noqa: F401 - shared fixtures
from tests.support.postgres import PostgresCluster
from tests.support.smtp import make_smtp_server, smtp_server  # noqa: F401 - shared fixtures
from tests.support.ssh import serve, servers  # noqa: F401 - shared fixtures

# The suite shares its cores with other work: property tests check behaviour, never speed, so
# Hypothesis's timing checks (deadline, "input generation is slow") are off for every test.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")

# Tests never read the developer's own configuration or data.
os.environ.pop("IMMO_CONNECT_CONFIG", None)
os.environ.pop("IMMO_CONNECT_DATABASE_URL", None)
os.environ.pop("IMMO_CONNECT_SECRET_KEY", None)
os.environ["TEXTUAL_ANIMATIONS"] = "none"
RUN_UMASK = os.umask(0o022)
os.umask(RUN_UMASK)


@pytest.fixture(autouse=True)
def process_umask() -> Iterator[None]:
    """Each test starts with the umask the run started with: the CLI's ``main()``, called in
    process by some tests, restricts it to 077 as the real command does, and a test after it
    would otherwise make folders that other users cannot enter."""
    os.umask(RUN_UMASK)
    yield
    os.umask(RUN_UMASK)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    """One PostgreSQL cluster per test process, stopped at the end even after failures."""
    cluster = PostgresCluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'immo.sqlite3'}"
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'immo.sqlite3'}"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def make_platform(tmp_path: Path, clock: FrozenClock) -> Iterator[Callable[..., Platform]]:
    """Build a platform on a given database URL, with a private data dir and config."""
    made: list[Platform] = []

    def make(url: str | None = None, *, config_text: str = "", **kwargs: Any) -> Platform:
        config = tmp_path / "plugins.toml"
        config.write_text(config_text)
        environ = {"IMMO_CONNECT_DATA_DIR": str(tmp_path / "data")}
        settings = load_settings(config, environ=environ, database_url=url or f"sqlite:///{tmp_path / 'immo.sqlite3'}")
        kwargs.setdefault("load_entrypoints", False)
        kwargs.setdefault("clock", clock)
        platform = create_platform(settings, environ=environ, **kwargs)
        made.append(platform)
        return platform

    yield make
    for platform in made:
        if not platform.database.is_closed():
            platform.database.close()
    i18n.set_language("fr")


@pytest.fixture
def platform(make_platform: Callable[..., Platform]) -> Platform:
    """A migrated platform on a fresh SQLite file (built-in plugins, no entry points)."""
    return make_platform()


@pytest.fixture
def any_platform(make_platform: Callable[..., Platform], database_url: str) -> Platform:
    """The same, once on SQLite and once on PostgreSQL."""
    return make_platform(database_url)


@pytest.fixture
def english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("fr")

"""The plugin host: registration, configuration, isolation of failing plugins, listing."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from immo_connect import hookimpl
from immo_connect.config_schema import Secret
from immo_connect.contracts import Tool
from immo_connect.errors import ConfigurationError
from immo_connect.plugin_host import _loading, create_plugin_host


@pytest.fixture(autouse=True)
def no_builtin_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests look at the host's mechanics with their own plugins only."""
    monkeypatch.setattr(_loading, "BUILTIN_PLUGINS", {})


class SampleTool(Tool):
    def __init__(self, name: str, title: str = "") -> None:
        self.name, self.title = name, title or name


@dataclasses.dataclass(frozen=True)
class GreeterConfig:
    greeting: str = "bonjour"
    retries: int = 3
    api_key: Secret | None = None


class Greeter:
    __name__ = "greeter"

    def __init__(self) -> None:
        self.accounts: list[Any] = []
        self.seen_config: Any = None

    @hookimpl
    def immo_connect_config_schema(self) -> type:
        return GreeterConfig

    @hookimpl
    def immo_connect_register_tools(self, register: Any, config: GreeterConfig) -> None:
        self.seen_config = config
        register(SampleTool("greeter-tool", config.greeting))

    @hookimpl
    def immo_connect_account_created(self, account: Any) -> None:
        self.accounts.append(account)


class Exploding:
    __name__ = "exploding"

    @hookimpl
    def immo_connect_register_tools(self, register: Any) -> None:
        register(SampleTool("half-registered"))
        raise RuntimeError("database of parcels missing")

    @hookimpl
    def immo_connect_account_created(self, account: Any) -> None:
        raise ValueError("cannot greet")


class Duplicate:
    __name__ = "duplicate"

    @hookimpl
    def immo_connect_register_tools(self, register: Any) -> None:
        register(SampleTool("greeter-tool"))


class Misspelled:
    __name__ = "misspelled"

    @hookimpl
    def immo_connect_register_tols(self, register: Any) -> None:  # no such hook
        register(SampleTool("never"))


class WrongType:
    __name__ = "wrongtype"

    @hookimpl
    def immo_connect_register_tools(self, register: Any) -> None:
        register("not a tool")


def host(plugins: dict[str, object], tables: dict[str, Any] | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
    return create_plugin_host(tables or {}, load_entrypoints=False, extra_plugins=plugins, environ=kwargs.pop("environ", {}), **kwargs)


def states(h) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {info.name: info.state for info in h.plugins()}


def test_contributions_are_tagged_with_their_plugin_and_configured() -> None:
    greeter = Greeter()
    h = host({"greeter": greeter}, {"greeter": {"greeting": "hallo", "retries": 5}})
    [tool] = h.tools()
    assert (tool.name, tool.title, tool.plugin) == ("greeter-tool", "hallo", "greeter")
    assert greeter.seen_config == GreeterConfig(greeting="hallo", retries=5)
    info = next(i for i in h.plugins() if i.name == "greeter")
    assert info.state == "enabled"
    assert "immo_connect_register_tools" in info.hooks
    assert "immo_connect_account_created" in info.hooks


def test_failing_plugin_is_isolated_and_reported() -> None:
    greeter = Greeter()
    h = host({"greeter": greeter, "exploding": Exploding()})
    assert [t.name for t in h.tools()] == ["greeter-tool"]  # nothing half-registered
    h.account_created("anne")
    assert greeter.accounts == ["anne"]
    info = next(i for i in h.plugins() if i.name == "exploding")
    assert info.state == "failed"
    assert "database of parcels missing" in info.reason


def test_event_hook_failure_does_not_stop_other_plugins() -> None:
    greeter = Greeter()
    h = host({"exploding": Exploding(), "greeter": greeter})
    h.account_created("bert")
    assert greeter.accounts == ["bert"]
    assert states(h)["exploding"] == "failed"


def test_duplicate_and_wrongly_typed_contributions_fail_their_plugin() -> None:
    h = host({"greeter": Greeter(), "duplicate": Duplicate(), "wrongtype": WrongType()})
    [tool] = h.tools()
    result = states(h)
    assert result["wrongtype"] == "failed"
    # The first to register the name keeps it; the other plugin is isolated.
    loser = "greeter" if tool.plugin == "duplicate" else "duplicate"
    assert result[tool.plugin] == "enabled"
    assert result[loser] == "failed"


def test_misspelled_hook_fails_only_that_plugin() -> None:
    h = host({"greeter": Greeter(), "misspelled": Misspelled()})
    assert states(h) == {"greeter": "enabled", "misspelled": "failed"}
    assert [t.name for t in h.tools()] == ["greeter-tool"]


def test_disabled_plugin_is_not_called() -> None:
    greeter = Greeter()
    h = host({"greeter": greeter}, {"greeter": {"enabled": False}})
    assert h.tools() == []
    h.account_created("anne")
    assert greeter.accounts == []
    assert states(h) == {"greeter": "disabled"}


def test_builtin_that_fails_to_import_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(_loading.BUILTIN_PLUGINS, "ghost", "immo_connect.plugins.tools.no_such_module")
    h = host({"greeter": Greeter()})
    info = next(i for i in h.plugins() if i.name == "ghost")
    assert info.state == "failed"
    assert "ModuleNotFoundError" in info.reason
    assert [t.name for t in h.tools()] == ["greeter-tool"]


@pytest.mark.parametrize(
    ("tables", "environ", "expected"),
    [
        ({"nosuch": {}}, {}, "no plugin named 'nosuch'"),
        ({"greeter": {"colour": "red"}}, {}, "unknown key 'colour'"),
        ({"greeter": {"retries": "many"}}, {}, "retries must be a whole number, not 'many'"),
        ({"greeter": {"api_key": "plain"}}, {}, 'given as { env = "VARIABLE" }'),
        ({"greeter": {"api_key": {"env": "GREETER_KEY"}}}, {}, "GREETER_KEY, which is not set"),
        ({"greeter": {"enabled": "yes"}}, {}, "enabled must be true or false"),
        ({"greeter": {"version": ">=99"}}, {}, ">=99 is required"),
        ({"greeter": {"version": "latest"}}, {}, "is not a version specifier"),
    ],
)
def test_configuration_mistakes_name_the_key_and_the_fix(
    tables: dict[str, Any], environ: dict[str, str], expected: str, english: None
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        host({"greeter": Greeter()}, tables, environ=environ)
    assert expected in str(caught.value)
    assert "plugins.toml" in caught.value.message
    assert caught.value.hint


def test_secret_comes_from_the_environment_and_is_never_shown() -> None:
    greeter = Greeter()
    h = host({"greeter": greeter}, {"greeter": {"api_key": {"env": "GREETER_KEY"}}}, environ={"GREETER_KEY": "k-123"})
    h.tools()
    assert greeter.seen_config.api_key == "k-123"
    assert "k-123" not in repr(greeter.seen_config)


def test_plugin_without_schema_refuses_settings(english: None) -> None:
    with pytest.raises(ConfigurationError, match="takes no settings"):
        host({"duplicate": Duplicate()}, {"duplicate": {"speed": 3}})


def test_tracing_writes_hook_calls_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    h = host({"greeter": Greeter()}, environ={"IMMO_CONNECT_TRACE_PLUGINS": "1"})
    h.tools()
    assert "immo_connect_register_tools -> greeter" in capsys.readouterr().err


def test_each_factory_call_makes_its_own_manager() -> None:
    first, second = host({"greeter": Greeter()}), host({})
    assert first.pm is not second.pm
    assert second.tools() == []


EVENTS = {
    "immo_connect_account_created": ("account",),
    "immo_connect_account_activated": ("account",),
    "immo_connect_eid_linked": ("account",),
    "immo_connect_organisation_created": ("organisation", "actor"),
    "immo_connect_membership_requested": ("membership",),
    "immo_connect_membership_confirmed": ("membership", "actor"),
    "immo_connect_membership_blocked": ("membership", "actor"),
    "immo_connect_membership_removed": ("membership", "actor"),
    "immo_connect_transaction_posted": ("transaction",),
}


class Recorder:
    __name__ = "recorder"

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []

    def _got(self, hook: str, **kwargs: Any) -> None:
        self.received.append((hook, kwargs))

    @hookimpl
    def immo_connect_account_created(self, account: Any) -> None:
        self._got("immo_connect_account_created", account=account)

    @hookimpl
    def immo_connect_account_activated(self, account: Any) -> None:
        self._got("immo_connect_account_activated", account=account)

    @hookimpl
    def immo_connect_eid_linked(self, account: Any) -> None:
        self._got("immo_connect_eid_linked", account=account)

    @hookimpl
    def immo_connect_organisation_created(self, organisation: Any, actor: Any) -> None:
        self._got("immo_connect_organisation_created", organisation=organisation, actor=actor)

    @hookimpl
    def immo_connect_membership_requested(self, membership: Any) -> None:
        self._got("immo_connect_membership_requested", membership=membership)

    @hookimpl
    def immo_connect_membership_confirmed(self, membership: Any, actor: Any) -> None:
        self._got("immo_connect_membership_confirmed", membership=membership, actor=actor)

    @hookimpl
    def immo_connect_membership_blocked(self, membership: Any, actor: Any) -> None:
        self._got("immo_connect_membership_blocked", membership=membership, actor=actor)

    @hookimpl
    def immo_connect_membership_removed(self, membership: Any, actor: Any) -> None:
        self._got("immo_connect_membership_removed", membership=membership, actor=actor)

    @hookimpl
    def immo_connect_transaction_posted(self, transaction: Any) -> None:
        self._got("immo_connect_transaction_posted", transaction=transaction)


def test_every_event_hook_reaches_plugins_through_the_facade() -> None:
    recorder = Recorder()
    h = host({"recorder": recorder})
    for hook, argnames in EVENTS.items():
        getattr(h, hook.removeprefix("immo_connect_"))(**{name: f"{name}-value" for name in argnames})
    assert [name for name, _ in recorder.received] == list(EVENTS)
    assert all(kwargs == {n: f"{n}-value" for n in EVENTS[name]} for name, kwargs in recorder.received)
    assert states(h) == {"recorder": "enabled"}


def test_configuration_errors_are_in_french_by_default() -> None:
    with pytest.raises(ConfigurationError) as caught:
        host({"greeter": Greeter()}, {"greeter": {"retries": "many"}})
    assert str(caught.value) == (
        "plugins.toml [plugins.greeter] retries doit être un nombre entier, et non 'many'. "
        "Corrigez la valeur dans le fichier de configuration."
    )

"""The plugin documentation matches the hook specifications, hook by hook."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from immo_connect import hookspecs

ROOT = Path(__file__).resolve().parents[1]
HOOKS = sorted(name for name, value in vars(hookspecs).items() if name.startswith("immo_connect_") and callable(value))


def signature(name: str) -> str:
    parameters = inspect.signature(getattr(hookspecs, name)).parameters
    return f"{name}({', '.join(parameters)})"


def test_hooks_exist() -> None:
    assert "immo_connect_register_tools" in HOOKS
    assert len(HOOKS) >= 14


@pytest.mark.parametrize("hook", HOOKS)
def test_each_hook_has_a_heading_with_its_exact_signature(hook: str) -> None:
    document = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    headings = re.findall(r"^### (.+)$", document, flags=re.MULTILINE)
    assert f"`{signature(hook)}`" in headings, f"docs/plugins.md needs: ### `{signature(hook)}`"


@pytest.mark.parametrize("hook", HOOKS)
def test_each_hook_spec_has_a_docstring(hook: str) -> None:
    assert (getattr(hookspecs, hook).__doc__ or "").strip()


def test_no_documented_hook_is_missing_from_the_specs() -> None:
    document = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^### `(immo_connect_\w+)\(", document, flags=re.MULTILINE))
    assert documented == set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_each_hook_is_exercised_by_a_test(hook: str) -> None:
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py") if p.name != Path(__file__).name)
    assert hook in tests or hook.removeprefix("immo_connect_") in tests

"""Validation of configuration tables against a declared schema.

A schema is a frozen dataclass: field names are the allowed keys, annotations the types,
defaults make keys optional. The same validator serves the core sections of
``plugins.toml`` and every plugin's table, so all configuration errors read alike: one
line that names the file, the key and the fix.

Secrets are never written in the file; a secret value is an indirection
``{ env = "VAR" }`` resolved from the environment at load time.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from immo_connect.errors import ConfigurationError

T = TypeVar("T")


class Secret(str):
    """A string that is a secret: its ``repr`` never shows the value."""

    def __repr__(self) -> str:
        return "Secret('********')"


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " or ".join(repr(v) for v in typing.get_args(annotation))
    if origin in (list, tuple):
        return f"a list of {_type_name(typing.get_args(annotation)[0])}s"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(annotation) if a is not type(None))
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
             Path: "a file path", Secret: '{ env = "VARIABLE" }'}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _convert(value: Any, annotation: Any, where: str, environ: Mapping[str, str]) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(options) == 1:  # Optional[X]: X's own message is the most precise
            return _convert(value, options[0], where, environ)
        for option in options:
            try:
                return _convert(value, option, where, environ)
            except ConfigurationError:
                continue
        raise ConfigurationError(
            f"{where} must be {_type_name(annotation)}, not {value!r}.",
            hint="Correct the value in the configuration file.",
        )
    if origin is typing.Literal:
        if value in typing.get_args(annotation):
            return value
        raise ConfigurationError(
            f"{where} must be {_type_name(annotation)}, not {value!r}.",
            hint="Use one of the listed values.",
        )
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise ConfigurationError(f"{where} must be {_type_name(annotation)}.",
                                     hint="Write it as [\"a\", \"b\"].")
        item = typing.get_args(annotation)[0]
        converted = [_convert(v, item, f"{where}[{i}]", environ) for i, v in enumerate(value)]
        return tuple(converted) if origin is tuple else converted
    if annotation is Secret:
        if isinstance(value, dict) and set(value) == {"env"} and isinstance(value["env"], str):
            variable = value["env"]
            if variable not in environ:
                raise ConfigurationError(
                    f"{where} reads the environment variable {variable}, which is not set.",
                    hint=f"Set {variable} before starting, or change the key.",
                )
            return Secret(environ[variable])
        raise ConfigurationError(
            f"{where} is a secret and must be given as {{ env = \"VARIABLE\" }}.",
            hint="Secrets are never written in the configuration file itself.",
        )
    if annotation is bool:
        if isinstance(value, bool):
            return value
    elif annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif annotation is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif annotation is str:
        if isinstance(value, str):
            return value
    elif annotation is Path:
        if isinstance(value, str) and value:
            return Path(os.path.expanduser(value))
    elif dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        if isinstance(value, dict):
            return validate(annotation, value, where=where, environ=environ)
    else:  # pragma: no cover - a schema bug, not a user error
        raise TypeError(f"unsupported configuration type {annotation!r} at {where}")
    raise ConfigurationError(
        f"{where} must be {_type_name(annotation)}, not {value!r}.",
        hint="Correct the value in the configuration file.",
    )


def validate(
    schema: type[T],
    table: Mapping[str, Any],
    *,
    where: str,
    environ: Mapping[str, str] | None = None,
) -> T:
    """Check ``table`` against the dataclass ``schema`` and return an instance of it.

    ``where`` names the table in messages, for example ``plugins.toml [mail]``.
    Unknown keys, missing required keys and values of the wrong type are refused.
    """
    if not dataclasses.is_dataclass(schema):
        raise TypeError(f"{schema!r} is not a dataclass")
    environ = os.environ if environ is None else environ
    hints = typing.get_type_hints(schema)
    fields = {f.name: f for f in dataclasses.fields(schema) if f.init}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        allowed = ", ".join(sorted(fields)) or "none"
        raise ConfigurationError(
            f"{where}: unknown key {unknown[0]!r}.",
            hint=f"Remove it or check its spelling; allowed keys: {allowed}.",
        )
    values: dict[str, Any] = {}
    for name, field in fields.items():
        if name in table:
            values[name] = _convert(table[name], hints[name], f"{where} {name}", environ)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise ConfigurationError(
                f"{where}: the key {name!r} is required.",
                hint=f"Add {name} = … ({_type_name(hints[name])}).",
            )
    return schema(**values)

"""Validation of configuration tables against a declared schema.

A schema is a frozen dataclass: field names are the allowed keys, annotations the types,
defaults make keys optional. The same validator serves the core sections of
``plugins.toml`` and every plugin's table, so all configuration errors read alike: one
line that names the file, the key and the fix.

Secrets are never written in the file; a secret value is an indirection
``{ env = "VAR" }`` resolved from the environment at load time.

Every number is checked for range: a field declares its own with
``Annotated[int, Range(0, 30)]``; a number without one must be at least 1 (counts, limits
and delays where zero or less would switch a protection off). A relative file path is read
from the folder of the configuration file (``base_dir``), not from wherever the platform
happens to start.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

from immo_connect.errors import ConfigurationError
from immo_connect.i18n import N_, _

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Range:
    """The allowed values of a numeric setting, both ends included."""

    minimum: float
    maximum: float = float("inf")

    def describe(self) -> str:
        if self.maximum == float("inf"):
            return _("at least {minimum}").format(minimum=_number(self.minimum))
        return _("from {minimum} to {maximum}").format(minimum=_number(self.minimum), maximum=_number(self.maximum))


DEFAULT_RANGE = Range(1)  # numbers that declare no range: counts, limits and delays


def _number(value: float) -> str:
    return f"{value:g}"


class Secret(str):
    """A string that is a secret: its ``repr`` never shows the value."""

    def __repr__(self) -> str:
        return "Secret('********')"


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return _(" or ").join(repr(v) for v in typing.get_args(annotation))
    if origin in (list, tuple):
        return _("a list of: {item}").format(item=_type_name(typing.get_args(annotation)[0]))
    if origin in (typing.Union, types.UnionType):
        return _(" or ").join(_type_name(a) for a in typing.get_args(annotation) if a is not type(None))
    names = {str: N_("text"), int: N_("a whole number"), float: N_("a number"), bool: N_("true or false"),
             Path: N_("a file path"), Secret: '{ env = "VARIABLE" }'}
    return _(names[annotation]) if annotation in names else getattr(annotation, "__name__", str(annotation))


def _check_range(value: Any, bounds: Range, where: str) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not (
        bounds.minimum <= value <= bounds.maximum
    ):
        raise ConfigurationError(
            _("{where} = {value} is out of range: allowed {allowed}.").format(
                where=where, value=_number(value), allowed=bounds.describe()
            ),
            hint=_("Set a value {allowed} in the configuration file, or remove the key to use the default.").format(
                allowed=bounds.describe()
            ),
        )
    return value


def _convert(value: Any, annotation: Any, where: str, environ: Mapping[str, str], base_dir: Path | None = None) -> Any:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        inner, *extras = typing.get_args(annotation)
        bounds = next((extra for extra in extras if isinstance(extra, Range)), DEFAULT_RANGE)
        return _check_range(_convert(value, inner, where, environ, base_dir), bounds, where)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(options) == 1:  # Optional[X]: X's own message is the most precise
            return _convert(value, options[0], where, environ, base_dir)
        for option in options:
            try:
                return _convert(value, option, where, environ, base_dir)
            except ConfigurationError:
                continue
        raise _wrong_type(where, annotation, value)
    if origin is typing.Literal:
        if value in typing.get_args(annotation):
            return value
        raise _wrong_type(where, annotation, value)
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise ConfigurationError(
                _("{where} must be {kind}.").format(where=where, kind=_type_name(annotation)),
                hint=_('Write it as ["a", "b"].'),
            )
        item = typing.get_args(annotation)[0]
        converted = [_convert(v, item, f"{where}[{i}]", environ, base_dir) for i, v in enumerate(value)]
        return tuple(converted) if origin is tuple else converted
    if origin is dict:  # a table of named values, such as a rate per tool
        if not isinstance(value, dict):
            raise ConfigurationError(
                _("{where} must be a table.").format(where=where),
                hint=_('Write it as {{ name = value }} or as a [table] of its own.'),
            )
        item = typing.get_args(annotation)[1]
        if item in (int, float):
            item = Annotated[item, DEFAULT_RANGE]
        return {str(k): _convert(v, item, f"{where}.{k}", environ, base_dir) for k, v in value.items()}
    if annotation is Secret:
        if isinstance(value, dict) and set(value) == {"env"} and isinstance(value["env"], str):
            variable = value["env"]
            if variable not in environ:
                raise ConfigurationError(
                    _("{where} reads the environment variable {variable}, which is not set.").format(
                        where=where, variable=variable
                    ),
                    hint=_("Set {variable} before starting, or change the key.").format(variable=variable),
                )
            return Secret(environ[variable])
        raise ConfigurationError(
            _("{where} is a secret and must be given as {form}.").format(where=where, form='{ env = "VARIABLE" }'),
            hint=_("Secrets are never written in the configuration file itself."),
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
            path = Path(os.path.expanduser(value))
            return base_dir / path if base_dir is not None and not path.is_absolute() else path
    elif dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        if isinstance(value, dict):
            return validate(annotation, value, where=where, environ=environ, base_dir=base_dir)
    else:  # pragma: no cover - a schema bug, not a user error
        raise TypeError(f"unsupported configuration type {annotation!r} at {where}")
    raise _wrong_type(where, annotation, value)


def _wrong_type(where: str, annotation: Any, value: Any) -> ConfigurationError:
    return ConfigurationError(
        _("{where} must be {kind}, not {value}.").format(where=where, kind=_type_name(annotation), value=repr(value)),
        hint=_("Correct the value in the configuration file."),
    )


def validate(
    schema: type[T],
    table: Mapping[str, Any],
    *,
    where: str,
    environ: Mapping[str, str] | None = None,
    base_dir: Path | None = None,
) -> T:
    """Check ``table`` against the dataclass ``schema`` and return an instance of it.

    ``where`` names the table in messages, for example ``plugins.toml [mail]``.
    Unknown keys, missing required keys, values of the wrong type and numbers out of range
    are refused. Relative paths are joined to ``base_dir`` (the configuration file's folder)
    when it is given.
    """
    if not dataclasses.is_dataclass(schema):
        raise TypeError(f"{schema!r} is not a dataclass")
    environ = os.environ if environ is None else environ
    hints = typing.get_type_hints(schema, include_extras=True)
    fields = {f.name: f for f in dataclasses.fields(schema) if f.init}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        allowed = ", ".join(sorted(fields)) or _("none")
        raise ConfigurationError(
            _("{where}: unknown key {key}.").format(where=where, key=repr(unknown[0])),
            hint=_("Remove it or check its spelling; allowed keys: {allowed}.").format(allowed=allowed),
        )
    values: dict[str, Any] = {}
    for name, field in fields.items():
        if name in table:
            hint = hints[name]
            if hint in (int, float):  # a number without its own range gets the default one
                hint = Annotated[hint, DEFAULT_RANGE]
            values[name] = _convert(table[name], hint, f"{where} {name}", environ, base_dir)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise ConfigurationError(
                _("{where}: the key {key} is required.").format(where=where, key=repr(name)),
                hint=_("Add {key} = … ({kind}).").format(key=name, kind=_type_name(hints[name])),
            )
    return schema(**values)

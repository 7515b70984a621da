"""Validation of plain YAML mappings into frozen dataclasses.

Every configuration file (params.yaml, configs/sources.yaml, source manifests) goes
through ``build``: unknown keys, missing required keys and wrong types become one
``UserError`` naming the file and the key, with a 'nearest' hint for typos. Every number
lies in the range its class declares in ``RANGES`` (a test checks that each number has
one): a batch of 10²³ rows or 200,000 LSH bands is refused here, not discovered as a hang.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pipeline.core.errors import UserError, did_you_mean

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")

# The ranges sections declare in RANGES: key -> (lowest, highest) allowed.
Ranges = dict[str, tuple[float, float]]
ROWS = (1, 1_000_000)  # a batch of rows: more than a million rows at once is a typo, not a setting
GiB = 1024**3
SEED = (0, 2**32 - 1)
SHARE = (0, 1)


def made_dataclass(name: str, fields: list[tuple[str, Any, Any]], *, module: str, **options: Any) -> type:
    """A frozen dataclass made at run time from registered parts (the stages' sections, the quality
    rules' thresholds). It claims ``module`` as its home, so it pickles by reference (Ray workers):
    that module's ``__getattr__`` must return the same class for ``name``."""
    cls = dataclasses.make_dataclass(name, fields, frozen=True, **options)
    cls.__module__ = module
    return cls


def build(cls: type[T], data: Any, where: str, prefix: str = "") -> T:
    """Make ``cls`` from ``data`` or raise a UserError at ``where`` naming ``prefix.key``."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserError(where, f"{_name(prefix) or 'the file'} must be a mapping, got {_kind(data)}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    hints = typing.get_type_hints(cls)
    for key in data:
        if key not in fields:
            raise UserError(where, f"unknown key '{_join(prefix, key)}'{did_you_mean(str(key), fields)}")
    values = {}
    for name, field in fields.items():
        if name not in data:
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                raise UserError(where, f"missing required field '{_join(prefix, name)}'")
            continue
        values[name] = _coerce(hints[name], data[name], where, _join(prefix, name))
    obj = cls(**values)
    check = getattr(obj, "check", None)
    if check is not None:  # first: its messages say more than a range can
        check(where, prefix)
    _check_ranges(obj, where, prefix)
    return obj


def _check_ranges(obj: Any, where: str, prefix: str) -> None:
    for name, (low, high) in getattr(obj, "RANGES", {}).items():
        value = getattr(obj, name)
        if value is not None and not low <= value <= high:
            raise UserError(where, f"'{_join(prefix, name)}' must be between {low:,} and {high:,}, got {value:,}")


def _coerce(hint: Any, value: Any, where: str, key: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _coerce(inner, value, where, key)
    if dataclasses.is_dataclass(hint):
        return build(cast("type[DataclassInstance]", hint), value, where, key)  # a type hint: a class, not an instance
    if origin is tuple:  # tuple[X, ...] from a YAML list
        if not isinstance(value, list):
            raise UserError(where, f"'{key}' must be a list, got {_kind(value)}")
        return tuple(_coerce(args[0], v, where, f"{key}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        value = {} if value is None else value  # `key:` with nothing after it means empty
        if not isinstance(value, dict):
            raise UserError(where, f"'{key}' must be a mapping, got {_kind(value)}")
        return {str(k): _coerce(args[1], v, where, f"{key}.{k}") for k, v in value.items()}
    if hint is Any:
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is str and not isinstance(value, str) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # YAML reads 2026-11-27 or 1.0 as non-strings; keep them as written
    if hint is str and hasattr(value, "isoformat"):
        return value.isoformat()
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise UserError(where, f"'{key}' must be {_article(hint)}, got {_kind(value)}")
    return value


def _join(prefix: str, key: Any) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _name(prefix: str) -> str:
    return f"'{prefix}'" if prefix else ""


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    ) + ("" if isinstance(value, (dict, list)) or value is None else f" ({value!r})")


def _article(hint: Any) -> str:
    return {str: "text", int: "a whole number", float: "a number", bool: "true or false"}.get(hint, str(hint))

"""The registry of colourization methods: name -> Colorizer.

Adding a method is one module in this package that decorates its class with
:func:`register`; modules here are discovered on first use, so the CLI, the
studio, the evaluation and the contract tests pick it up with no change.
Method modules must not import torch at import time.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from typing import Any, Callable, TypeVar

from ..errors import IrodoriError
from .base import (METHOD_GROUPS, Capabilities, Colorizer, MethodGroup, Reference, Result, group_of,
                   make_result, option, option_specs, picture_layers, with_layers)

__all__ = ["Capabilities", "Colorizer", "Reference", "Result", "make_result", "picture_layers", "with_layers",
           "register", "get_method", "method_names", "describe_methods", "build_options", "option",
           "MethodGroup", "METHOD_GROUPS"]

_REGISTRY: dict[str, type] = {}
_discovered = False
_NOT_METHODS = {"base"}

T = TypeVar("T", bound=type)


def register(cls: T) -> T:
    """Class decorator: add a Colorizer class to the registry under ``cls.name``."""
    name = cls.name  # type: ignore[attr-defined]
    if name in _REGISTRY and _REGISTRY[name] is not cls:
        raise RuntimeError(f"method {name!r} registered twice")
    _REGISTRY[name] = cls
    return cls


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    for mod in pkgutil.iter_modules(__path__):
        if not mod.name.startswith("_") and mod.name not in _NOT_METHODS:
            importlib.import_module(f"{__name__}.{mod.name}")


def method_names() -> list[str]:
    """Names of all registered methods, sorted."""
    _discover()
    return sorted(_REGISTRY)


def get_method(name: str) -> Colorizer:
    """An instance of the method registered as ``name``; IrodoriError if unknown."""
    _discover()
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise IrodoriError(f"unknown method {name!r}; available: {', '.join(sorted(_REGISTRY))}") from None


def describe_methods() -> list[dict[str, Any]]:
    """Every method as JSON-ready data, sorted by name: what the CLI, the API and the studio show.

    Keys: ``name``, ``label`` and ``summary`` (plain words), ``description``
    (how it works), ``group`` (``{"id", "label", "help", "compare", "order"}``
    from :data:`METHOD_GROUPS`: what the artist has), ``recommended``,
    ``capabilities`` and ``options`` (:func:`option_specs`).
    """
    _discover()
    order = {g.id: i for i, g in enumerate(METHOD_GROUPS)}
    out = []
    for name in sorted(_REGISTRY):
        cls = _REGISTRY[name]
        caps = cls.capabilities
        # A method that declares no group lands where its needs put it (the contract test asks for one).
        group = group_of(getattr(cls, "group", "reference" if caps.needs_reference else "hints"))
        out.append({"name": name, "label": getattr(cls, "label", name),
                    "summary": getattr(cls, "summary", cls.description), "description": cls.description,
                    "group": {**dataclasses.asdict(group), "order": order[group.id]},
                    "recommended": bool(getattr(cls, "recommended", False)),
                    "capabilities": dataclasses.asdict(caps),
                    "options": option_specs(cls.Options)})
    return out


def build_options(method: Colorizer, options: dict[str, Any]) -> Any:
    """Validate ``options`` against ``method.Options`` and build it.

    Unknown names and values of the wrong type raise IrodoriError. Ints are
    accepted for float options; strings are accepted where the option is a
    string.
    """
    fields = {f.name: f for f in dataclasses.fields(method.Options)}
    unknown = sorted(set(options) - set(fields))
    if unknown:
        raise IrodoriError(f"unknown option(s) {', '.join(unknown)} for method {method.name!r}; "
                           f"known: {', '.join(fields) or 'none'}")
    clean: dict[str, Any] = {}
    for key, value in options.items():
        clean[key] = _coerce(key, value, fields[key])
    try:
        opts = method.Options(**clean)
    except (TypeError, ValueError) as e:
        raise IrodoriError(f"bad options for method {method.name!r}: {e}") from None
    check: Callable[[], None] | None = getattr(opts, "validate", None)
    if check is not None:
        check()
    return opts


def _coerce(key: str, value: Any, f: dataclasses.Field) -> Any:
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    if value is None:
        if "None" in kind:
            return None
        raise IrodoriError(f"option {key!r} may not be null")
    if kind.startswith("float") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if kind.startswith("int") and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind.startswith("bool") and isinstance(value, bool):
        return value
    if kind.startswith("str") and isinstance(value, str):
        return value
    if "None" in kind or kind.startswith("Optional"):
        base = kind.split("|")[0].strip()
        if base == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if base == "int" and isinstance(value, int) and not isinstance(value, bool):
            return value
        if base == "str" and isinstance(value, str):
            return value
    raise IrodoriError(f"option {key!r} expects {kind}, got {value!r}")

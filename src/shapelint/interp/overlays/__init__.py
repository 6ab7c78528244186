"""Library modules the interpreter models on top of plain interpretation, one file each
(as pytype's overlays): a qualified name here is answered by its overlay."""

from __future__ import annotations

from typing import Any, Dict

from . import dataclasses, enum, namedtuple, typing

OVERLAYS: Dict[str, Any] = {**dataclasses.MEMBERS, **enum.MEMBERS, **namedtuple.MEMBERS, **typing.MEMBERS}
CONSTANTS: Dict[str, Any] = dict(typing.CONSTANTS)
# library modules whose names resolve to references (never to project code)
MODULES = ("dataclasses", "enum", "typing", "typing_extensions", "collections", "abc", "types", "builtins")

__all__ = ["CONSTANTS", "MODULES", "OVERLAYS"]

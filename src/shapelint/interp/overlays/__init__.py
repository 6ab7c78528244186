"""Library overlays: one file per modelled library, each a table of the members it models
(as pytype's overlays).

An overlay stands in for a library the checked code imports (never imported itself): a
call of a member listed in ``MEMBERS`` runs the overlay on the known argument values, a
name listed in ``CONSTANTS`` is its value; any other member of these libraries is
UNKNOWN.  A new overlay is a new file here and one entry in ``OVERLAYS``.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, FrozenSet, Tuple

from . import collections, copy, dataclasses, enum, functools, itertools, math, namedtuple, nn_utils, numpy, operator, re, timm, torch, typing

OVERLAYS = (collections, copy, dataclasses, enum, functools, itertools, math, namedtuple, nn_utils, numpy, operator, re, torch, typing)

LIBRARY: Dict[str, Any] = {k: v for o in OVERLAYS for k, v in o.MEMBERS.items()}
CONSTANTS: Dict[str, Any] = {k: v for o in OVERLAYS for k, v in getattr(o, "CONSTANTS", {}).items()}
# top-level names whose members are read through an overlay (or are UNKNOWN), never as project code
MODULES: FrozenSet[str] = frozenset({q.split(".")[0] for q in LIBRARY} | {"typing", "typing_extensions", "abc", "types", "builtins"})
# What an installed library does that plain interpretation of its source cannot follow (a
# registry filled at import time): keyed by (module, name) of the function's definition,
# so that every path the library re-exports it under finds it.
DEFINITIONS: Dict[Tuple[str, str], Callable] = dict(timm.OVERLAYS)

"""Overlays: what an installed library does that plain interpretation of its source cannot
follow (a registry filled at import time), one file per library, as pytype does.

An overlay stands in for one function of the library, keyed by (module, name) of its
definition, so that every path the library re-exports it under finds it.
"""

from __future__ import annotations

from typing import Callable, Dict, Tuple

from . import timm

OVERLAYS: Dict[Tuple[str, str], Callable] = {**timm.OVERLAYS}

__all__ = ["OVERLAYS"]

"""What the overlays share: calling a value the model code handed over, and the size caps
that keep every modelled library function bounded in time and memory."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, List, Optional

from ...layers import UNKNOWN
from ..common import ArgSites

if TYPE_CHECKING:
    from ..machine import Machine

MAX_ITEMS = 4096  # items an overlay builds (products, repeats, constant arrays)
MAX_TEXT = 512  # characters of a string a regex or a format runs on
MAX_WIDTH = 4  # digits of a field width or precision in a format spec (at most 9999)

_WIDE = re.compile(r"\d{%d,}" % (MAX_WIDTH + 1))


def call_value(m: Machine, fn: Any, args: List[Any]) -> Any:
    """Call ``fn`` (a lambda, a user function, a builtin, ``operator.mul``...) on values.

    Builtins answering a call change ``m.current_site``; it is put back afterwards.
    """
    site = m.current_site
    if site is None:
        return UNKNOWN
    try:
        return m.call(fn, list(args), {}, site, ArgSites([None] * len(args), {}), "init")
    finally:
        m.current_site = site


def narrow_format(spec: str) -> bool:
    """A format string whose widths and precisions are small (no ``{:999999999}``)."""
    return len(spec) <= MAX_TEXT and _WIDE.search(spec) is None


def known_items(m: Machine, value: Any, limit: int = MAX_ITEMS) -> Optional[List[Any]]:
    """The items of a known iterable of at most ``limit`` items, else None."""
    items = m.iterate(value)
    if items is None or len(items) > limit:
        return None
    return items

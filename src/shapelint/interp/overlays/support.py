"""The size caps that keep every modelled library function bounded in time and memory."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Optional

if TYPE_CHECKING:
    from ..machine import Machine

MAX_ITEMS = 4096  # items an overlay builds (products, repeats, constant arrays)
MAX_TEXT = 512  # characters of a string a regex or a format runs on


def known_items(m: Machine, value: Any, limit: int = MAX_ITEMS) -> Optional[List[Any]]:
    """The items of a known iterable of at most ``limit`` items, else None."""
    items = m.iterate(value)
    if items is None or len(items) > limit:
        return None
    return items

"""JSON may escape half of a UTF-16 pair alone (``"\\ud800"``): Python reads it into a str
that no UTF-8 can carry, so the first database query, log line or reply that writes it
fails. Bodies and socket messages holding one are refused as unreadable where they come in
(found by an attacker: a 500 from sign-in, sign-up, password reset and choice fields, and a
socket closed with 1011)."""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def holds_lone_surrogate(value: Any) -> bool:
    """Whether any text in ``value`` (JSON as Python reads it: keys and values, at any depth)
    is half a pair. A whole pair is read as the one character it encodes."""
    waiting = [value]
    while waiting:
        item = waiting.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            waiting.extend(item.keys())
            waiting.extend(item.values())
        elif isinstance(item, list):
            waiting.extend(item)
    return False

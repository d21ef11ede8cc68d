"""What the page holds, recorded as short digests: a callback compares what it would send with
the record the page sends back (a store's State) and sends only what changed."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def digest(value: Any) -> str:
    """A short digest of a JSON-able value (components and figures through their
    `to_plotly_json`): what a store records of what the page holds."""
    return hashlib.blake2b(json.dumps(value, sort_keys=True, default=_plain).encode(),
                           digest_size=8).hexdigest()


def _plain(value: Any) -> Any:
    to_json = getattr(value, "to_plotly_json", None)
    return to_json() if callable(to_json) else str(value)


def changed(values: Mapping[str, Any], held: Any) -> tuple[dict[str, bool], dict[str, str]]:
    """({name: whether the page must be sent it}, the record of what the page then holds) for
    named values, against `held`, the record of a previous call (anything else: send all).

    >>> send, record = changed({"a": 1, "b": 2}, None)
    >>> send
    {'a': True, 'b': True}
    >>> changed({"a": 1, "b": 3}, record)[0]
    {'a': False, 'b': True}
    """
    before = held if isinstance(held, dict) else {}
    record = {name: digest(value) for name, value in values.items()}
    return {name: before.get(name) != d for name, d in record.items()}, record

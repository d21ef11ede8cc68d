"""Gunicorn's logger with every access-log field escaped: one request is always one log line.

Gunicorn writes ``%(U)s`` (the path) percent-decoded, so ``GET /%0a1.2.3.4 "GET /admin" 200`` would
write a second, forged line into the access log. `SafeLogger` (``logger_class`` in
``deploy/gunicorn.conf.py``) escapes control characters, backslashes and quotes in every field,
as ``\\xNN`` / ``\\"``, before the line is formatted.
"""
from __future__ import annotations

import re

from gunicorn.glogging import Logger

_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f\\"\u2028\u2029]')


def escape_field(value: object) -> object:
    """A log field with control characters, backslash and double quote escaped (non-strings as
    they are): a newline becomes the four characters ``\\x0a``."""
    if not isinstance(value, str):
        return value
    return _UNSAFE.sub(lambda m: '\\"' if m.group() == '"' else "\\\\" if m.group() == "\\"
                       else f"\\x{ord(m.group()):02x}", value)


class SafeLogger(Logger):
    """`gunicorn.glogging.Logger` whose access-log atoms are escaped (see the module docstring)."""

    def atoms(self, resp, req, environ, request_time):  # noqa: D102 - gunicorn's signature
        return {k: escape_field(v) for k, v in super().atoms(resp, req, environ,
                                                              request_time).items()}

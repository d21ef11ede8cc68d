"""Safe file names for uploads: what a user's browser calls a file never chooses where it goes.

`safe_filename` keeps the last part of a name given with either slash, drops control, NUL and
bidirectional-override characters and leading dots and spaces, and caps the length (keeping the
extension), so ``../../etc/passwd``, ``..``, ``a\\0b.csv`` or a 300-character name become plain
names inside the folder they are written to. The reader shows the same name in its report.
"""
from __future__ import annotations

import re
import unicodedata

MAX_NAME = 120
_SEPARATORS = re.compile(r"[/\\]")
_BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
         "\u2069", "\u200e", "\u200f"}


def safe_filename(name: object, default: str = "upload") -> str:
    """A plain file name (no folder, no control characters, not hidden, at most MAX_NAME
    characters) for an uploaded file called `name`; `default` when nothing usable is left.

    >>> safe_filename("../../etc/passwd"), safe_filename(".."), safe_filename("C:\\\\x\\\\spend.csv")
    ('passwd', 'upload', 'spend.csv')
    """
    text = unicodedata.normalize("NFC", str(name or ""))
    text = _SEPARATORS.split(text)[-1]
    text = "".join(c for c in text if c not in _BIDI and unicodedata.category(c)[0] != "C")
    text = text.strip().lstrip(". ").rstrip(" ")
    if len(text) > MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        ext = ext[:16] if dot and stem else ""
        text = text[: MAX_NAME - len(ext) - 1].rstrip(". ") + ("." + ext if ext else "")
    while len(text.encode("utf-8")) > 240:   # file systems count bytes
        text = text[:-1]
    return text or default

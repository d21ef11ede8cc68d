"""Source files and their checksums: what an import is given, and how a file's content is known.

A spend file or register is a path or an uploaded ``(name, bytes)`` pair. Its sha256 is of the
content as the spend reader sees it (decompressed when gzip), so the same rows uploaded plain, as
.gz or under another name have one checksum: that is how a file already in a data set is refused.
"""
from __future__ import annotations

import gzip
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from dashboard.errors import InputError

CHUNK = 1 << 20

SpendItem = str | os.PathLike | tuple[str, bytes]


@dataclass
class SpendFile:
    """One spend file to import: its display name, content source and checksum."""

    name: str
    source: SpendItem          # a path, or (name, bytes) for uploads and kept copies
    sha256: str                # of the content (decompressed when gzip), as the reader hashes it
    size: int                  # bytes as given (compressed size for .gz)
    kept: str | None = None    # path inside the version folder, for files already kept


def file_sha256(source: SpendItem) -> tuple[str, int]:
    """sha256 of a file's content (decompressed when gzip, as the spend reader hashes it) and
    its size as given. Streams paths; never holds a whole file."""
    if isinstance(source, tuple):
        raw = bytes(source[1])
        data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        return hashlib.sha256(data).hexdigest(), len(raw)
    path = Path(source)
    if not path.is_file():
        raise InputError(f"{path}: file not found: check the path.")
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
        fh.seek(0)
        stream = gzip.GzipFile(fileobj=fh) if gz else fh
        try:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
        except (OSError, EOFError) as exc:
            raise InputError(f"{path.name}: is a damaged gzip file ({exc}): download it "
                             "again.") from None
    return digest.hexdigest(), path.stat().st_size


def display_name(source: SpendItem) -> str:
    """The name a file is shown under: its base name, or the uploaded name."""
    return os.path.basename(str(source[0] if isinstance(source, tuple) else source)) or "upload"

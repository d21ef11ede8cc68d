"""Source files and their checksums: what an import is given, and how a file's content is known.

A spend file or register is a path or an uploaded ``(name, bytes)`` pair. Its sha256 is of the
content as the spend reader sees it (decompressed when gzip), so the same rows uploaded plain, as
.gz or under another name have one checksum: that is how a file already in a data set is refused.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dashboard.errors import InputError

CHUNK = 1 << 20
#: The most a gzip file may unpack to (the spend reader's own default cap).
MAX_UNPACKED = 200 * 1024 * 1024

SpendItem = str | os.PathLike | tuple[str, bytes]


@dataclass
class SpendFile:
    """One spend file to import: its display name, content source and checksum."""

    name: str
    source: SpendItem          # a path, or (name, bytes) for uploads and kept copies
    sha256: str                # of the content (decompressed when gzip), as the reader hashes it
    size: int                  # bytes as given (compressed size for .gz)
    kept: str | None = None    # path inside the version folder, for files already kept


def file_sha256(source: SpendItem, max_bytes: int = MAX_UNPACKED) -> tuple[str, int]:
    """sha256 of a file's content (decompressed when gzip, as the spend reader hashes it) and
    its size as given. Streams; never holds a whole file. A gzip file that unpacks to more than
    `max_bytes` is refused as soon as it passes the cap (a 10 MB gzip bomb unpacks to 10 GB:
    hashing it all took a minute of CPU before the reader's own cap was reached)."""
    if isinstance(source, tuple):
        raw = bytes(source[1])
        return _digest(io.BytesIO(raw), display_name(source), max_bytes), len(raw)
    path = Path(source)
    if not path.is_file():
        raise InputError(f"{path}: file not found: check the path.")
    with path.open("rb") as fh:
        return _digest(fh, path.name, max_bytes), path.stat().st_size


def _digest(fh: BinaryIO, name: str, max_bytes: int) -> str:
    digest, total = hashlib.sha256(), 0
    gz = fh.read(2) == b"\x1f\x8b"
    fh.seek(0)
    stream = gzip.GzipFile(fileobj=fh) if gz else fh
    try:
        while chunk := stream.read(CHUNK):
            total += len(chunk)
            if gz and total > max_bytes:
                raise InputError(f"{name}: unpacks to more than {max_bytes / 2**20:,.0f} MB: "
                                 "files up to that size can be imported (split it by period)")
            digest.update(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{name}: is a damaged gzip file ({exc}): download it again.") from None
    return digest.hexdigest()


def display_name(source: SpendItem) -> str:
    """The name a file is shown under: its base name, or the uploaded name."""
    return os.path.basename(str(source[0] if isinstance(source, tuple) else source)) or "upload"

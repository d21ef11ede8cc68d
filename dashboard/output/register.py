"""The register of suppliers still to locate (``ingest.unlocated.unlocated_register``) as a CSV
download, its cells made safe for spreadsheets like every other export."""
from __future__ import annotations

import pandas as pd

from dashboard.output.cells import to_csv_bytes


def register_csv_bytes(frame: pd.DataFrame) -> bytes:
    """A register frame as CSV (UTF-8 with BOM) with formula-like names neutralised; the quote
    added to such names does not stop them matching again (name matching drops punctuation)."""
    return to_csv_bytes(frame)

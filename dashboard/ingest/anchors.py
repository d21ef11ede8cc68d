"""The anchor table (name, type, home area, site postcode): read from a CSV, kept as JSON records.

Home areas are tuples of district codes in the frame and lists in JSON (the manifest's import
options and a background job's spec); ``anchor_records`` and ``anchor_frame`` convert between them.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from dashboard.errors import InputError


def read_anchor_table(path: str | os.PathLike) -> pd.DataFrame:
    """An anchor table CSV: ``name`` (required), ``type``, ``home_area`` (district codes split by
    ``;``, ``,``, ``|`` or spaces), ``site_postcode``. Headers are matched ignoring case."""
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name}: cannot read the anchor table ({exc}): give a CSV with "
                         "columns name,type,home_area,site_postcode") from None
    raw.columns = [re.sub(r"[^a-z]+", "_", c.strip().lower()).strip("_") for c in raw.columns]
    if "name" not in raw:
        raise InputError(f"{path.name}: the anchor table has no 'name' column: give a CSV with "
                         "columns name,type,home_area,site_postcode")
    out = pd.DataFrame({"name": raw["name"].str.strip()})
    out["type"] = raw["type"].str.strip().str.lower() if "type" in raw else ""
    home = raw["home_area"] if "home_area" in raw else pd.Series([""] * len(raw))
    out["home_area"] = [tuple(c for c in re.split(r"[;,|\s]+", v.strip().upper()) if c)
                        for v in home]
    if "site_postcode" in raw:
        out["site_postcode"] = raw["site_postcode"].str.strip()
    return out[out["name"] != ""].reset_index(drop=True)


def anchor_records(frame: pd.DataFrame) -> list[dict]:
    """An anchor table as JSON records (tuples as lists)."""
    return [{k: (list(v) if isinstance(v, tuple) else v) for k, v in r.items()}
            for r in frame.to_dict("records")]


def anchor_frame(records) -> pd.DataFrame | None:
    """An anchor table from its JSON records (home areas back to tuples); None for none."""
    if not records:
        return None
    frame = pd.DataFrame(records)
    if "home_area" in frame:
        frame["home_area"] = frame["home_area"].map(lambda v: tuple(v or ()))
    return frame

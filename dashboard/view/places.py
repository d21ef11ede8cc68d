"""District names for the district codes the page shows (ONS local authority district codes,
such as E08000024), so people read "Sunderland", not a code.

`districts.csv` beside this module holds every district of England and Wales of the 2019, 2022 and
2024 boundaries (346 codes; the newest name where a code's name changed), taken from the
Indices of Deprivation 2019 (File 1) and the ONS LSOA lookups in `../shared/data`: Office for
National Statistics and MHCLG, Open Government Licence v3.0. A code it does not know is shown
as the code itself, or under the data set's own name for its district (`meta["place"]` for
`meta["district"]`).
"""
from __future__ import annotations

import csv
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

FILE = Path(__file__).with_name("districts.csv")


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    with FILE.open(encoding="utf-8", newline="") as f:
        return {row["code"]: row["name"] for row in csv.DictReader(f)}


def district_name(code: str, meta: dict | None = None) -> str:
    """The district's name ("Sunderland"), else the data set's name for it, else the code."""
    code = str(code)
    name = _names().get(code)
    if name:
        return name
    if meta and str(meta.get("district")) == code and meta.get("place"):
        return str(meta["place"])
    return code


def district_label(code: str, meta: dict | None = None) -> str:
    """Name and code, for a list where both help: "Sunderland (E08000024)"; the code alone when
    no name is known."""
    name = district_name(code, meta)
    return name if name == str(code) else f"{name} ({code})"


def district_names(codes: Iterable[str], meta: dict | None = None) -> str:
    """Names joined with commas: "Sunderland, Gateshead"."""
    return ", ".join(district_name(c, meta) for c in codes)

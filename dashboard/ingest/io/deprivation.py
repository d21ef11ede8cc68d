"""English Indices of Deprivation readers: IMD ranks/deciles per LSOA, and population denominators.

The official files change their headers between releases and formats ("LSOA code (2011)" /
"LSOA code (2021)", "... Rank" / "... Rank (where 1 is most deprived)", CSV with a byte-order mark
and "29,199" thousands separators, or an XLSX workbook with the data on sheet ``IMD25``), so every
column is found by pattern. Direction is kept as published: rank 1 and decile 1 are the MOST
deprived. Wales, Scotland and Northern Ireland publish separate, non-comparable indices: these
readers do not mix them in.
"""
from __future__ import annotations

import gzip
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from dashboard.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

DOMAINS = ("income", "employment", "education", "health", "crime", "barriers",
           "living_environment")
_DOMAIN_START = {
    "income": r"Income",
    "employment": r"Employment",
    "education": r"Education",
    "health": r"Health",
    "crime": r"Crime",
    "barriers": r"Barriers",
    "living_environment": r"Living Environment",
}
#: Supplementary indices and sub-domains whose headers start like a domain's: never a domain.
_NOT_DOMAIN = re.compile(r"Affecting|IDACI|IDAOPI|Sub-?domain|Score|Indicator", re.IGNORECASE)
_IMD = r"(?:Index of Multiple Deprivation|IMD)\b"
_LSOA_CODE = re.compile(r"^LSOA code \((\d{4})\)", re.IGNORECASE)
_LSOA_CD = re.compile(r"^LSOA(\d\d)CD$", re.IGNORECASE)
_LAD_CODE = re.compile(r"^(Local Authority District code\b|LAD\d\dCD$)", re.IGNORECASE)
_POPULATION = re.compile(r"^Total population", re.IGNORECASE)
_SHEET = re.compile(r"^IMD\s*\d*$", re.IGNORECASE)


def read_imd(path: str | os.PathLike) -> pd.DataFrame:
    """Read an IoD File 1 / File 2 / File 7-style table (CSV, plain or .gz, or XLSX).

    Returns ``lsoa``, ``lad``, ``imd_rank``, ``imd_decile`` (int64) and, for each domain present,
    ``<domain>_rank`` / ``<domain>_decile``; ``attrs["lsoa_vintage"]`` from "LSOA code (2021)".
    Decile 1 is the most deprived 10% (rank 1 the most deprived LSOA); InputError when a decile is
    outside 1..10, a rank below 1, or ranks and deciles run in opposite directions.
    """
    path = Path(path)
    raw = _read_table(path)
    lsoa_col, vintage = _lsoa_column(raw.columns, path)
    wanted = {"imd_rank": _find(raw.columns, _IMD, "Rank"),
              "imd_decile": _find(raw.columns, _IMD, "Decile")}
    missing = [k for k, v in wanted.items() if v is None]
    if missing:
        raise InputError(_missing_message(path, "the IMD rank and decile", raw.columns))
    for dom in DOMAINS:
        start = _DOMAIN_START[dom]
        rank, decile = _find(raw.columns, start, "Rank"), _find(raw.columns, start, "Decile")
        if rank and decile:
            wanted[f"{dom}_rank"], wanted[f"{dom}_decile"] = rank, decile
    raw = _drop_blank_codes(raw, lsoa_col)
    out = _frame(raw, lsoa_col, vintage, path)
    for name, col in wanted.items():
        out[name] = _integers(raw[col], col, path, raw[lsoa_col])
    _validate_ranks(out, path)
    return out


def read_population(path: str | os.PathLike) -> pd.DataFrame:
    """Read IoD File 6 population denominators: ``lsoa``, ``population`` (int64, total population,
    the column whose header starts "Total population"); ``attrs["lsoa_vintage"]``."""
    path = Path(path)
    raw = _read_table(path)
    lsoa_col, vintage = _lsoa_column(raw.columns, path)
    pop_col = next((c for c in raw.columns if _POPULATION.match(c)), None)
    if pop_col is None:
        raise InputError(_missing_message(path, 'a "Total population" column', raw.columns,
                                          "an IoD population denominators file (File 6)"))
    raw = _drop_blank_codes(raw, lsoa_col)
    out = _frame(raw, lsoa_col, vintage, path).drop(columns="lad")
    out["population"] = _integers(raw[pop_col], pop_col, path, raw[lsoa_col])
    if (out["population"] < 0).any():
        raise InputError(f"{path.name}: negative population in column {pop_col!r}.")
    return out


# --- tables --------------------------------------------------------------------------------------

def _read_table(path: Path) -> pd.DataFrame:
    """Any supported file -> DataFrame of strings with cleaned headers."""
    if not path.is_file():
        raise InputError(f"Deprivation file {path} not found: check the path.")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    df = _read_xlsx(path) if magic[:2] == b"PK" else _read_csv(path, magic[:2] == b"\x1f\x8b")
    df.columns = [re.sub(r"\s+", " ", str(c)).strip() for c in df.columns]
    return df


def _read_csv(path: Path, gz: bool) -> pd.DataFrame:
    """CSV (UTF-8 with or without BOM, else cp1252), everything as text."""
    import pandas as pd

    for encoding in ("utf-8-sig", "cp1252"):
        try:
            with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
                return pd.read_csv(fh, dtype=str, encoding=encoding, keep_default_na=False)
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, OSError, EOFError) as exc:
            raise InputError(f"{path.name} could not be read as CSV ({exc}).") from exc
    raise InputError(f"{path.name}: unknown text encoding; save it as UTF-8 CSV.")


def _read_xlsx(path: Path) -> pd.DataFrame:
    """The data sheet of a workbook (``IMD25``-like name, else the first with an LSOA code
    header), from its header row on, cells as text."""
    import openpyxl
    import pandas as pd

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise InputError(f"{path.name} could not be opened as an XLSX workbook ({exc}).") from exc
    try:
        sheets = sorted(wb.worksheets, key=lambda ws: not _SHEET.match(ws.title.strip()))
        for ws in sheets:
            rows = ws.iter_rows(values_only=True)
            for _, row in zip(range(15), rows):
                header = [re.sub(r"\s+", " ", str(v)).strip() if v is not None else ""
                          for v in row]
                if any(_is_lsoa_header(h) for h in header):
                    data = [[_cell_text(v) for v in r[:len(header)]] for r in rows]
                    return pd.DataFrame(data, columns=_unique(header), dtype="str")
    finally:
        wb.close()
    raise InputError(f"{path.name}: no sheet has an 'LSOA code' column; "
                     "load the IoD File 1 workbook (sheet IMD25) or its CSV.")


def _cell_text(value: object) -> str:
    """An XLSX cell as text: whole floats without ".0", blanks as ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _unique(header: list[str]) -> list[str]:
    """Make blank/duplicate header cells unique so pandas keeps every column."""
    seen: dict[str, int] = {}
    out = []
    for h in header:
        n = seen.get(h, 0)
        seen[h] = n + 1
        out.append(h if n == 0 and h else f"{h or 'column'}.{n}")
    return out


# --- columns -------------------------------------------------------------------------------------

def _is_lsoa_header(header: str) -> bool:
    """True for "LSOA code (2021)", "LSOA21CD" and the like."""
    return bool(_LSOA_CODE.match(header) or _LSOA_CD.match(header)
                or re.match(r"^LSOA code\b", header, re.IGNORECASE))


def _lsoa_column(columns: pd.Index, path: Path) -> tuple[str, str]:
    """The LSOA code column and its vintage ("2011", "2021"; "" when the header has no year)."""
    for col in columns:
        if m := _LSOA_CODE.match(col):
            return col, m.group(1)
    for col in columns:
        if m := _LSOA_CD.match(col):
            return col, f"20{m.group(1)}"
    for col in columns:
        if _is_lsoa_header(col):
            return col, ""
    raise InputError(_missing_message(path, 'an "LSOA code (2021)" column', columns))


def _find(columns: pd.Index, start: str, kind: str) -> str | None:
    """First header starting with ``start`` that is a ``kind`` ("Rank"/"Decile") column of that
    index or domain, not of a supplementary index (IDACI/IDAOPI) or sub-domain, not a score."""
    other = "Decile" if kind == "Rank" else "Rank"
    for col in columns:
        if (re.match(rf"^{start}\b", col, re.IGNORECASE)
                and re.search(rf"\b{kind}\b", col, re.IGNORECASE)
                and not re.search(rf"\b{other}\b", col, re.IGNORECASE)
                and not _NOT_DOMAIN.search(col)):
            return col
    return None


def _missing_message(path: Path, what: str, columns: pd.Index,
                     expected: str = "an IoD File 1 (IMD) file, CSV or XLSX") -> str:
    """InputError text: what is missing, what was found, what to load instead."""
    found = ", ".join(repr(c) for c in list(columns)[:12]) or "none"
    return f"{path.name} has no {what}. Columns found: {found}. Load {expected}."


# --- values --------------------------------------------------------------------------------------

def _drop_blank_codes(raw: pd.DataFrame, lsoa_col: str) -> pd.DataFrame:
    """Drop rows without an LSOA code (blank trailing rows, notes under a table)."""
    codes = raw[lsoa_col].fillna("").str.strip()
    return raw.loc[codes != ""].reset_index(drop=True)


def _frame(raw: pd.DataFrame, lsoa_col: str, vintage: str, path: Path) -> pd.DataFrame:
    """Output frame with ``lsoa`` and ``lad``; InputError on a repeated LSOA code."""
    import pandas as pd

    lsoa = raw[lsoa_col].str.strip()
    dup = lsoa[lsoa.duplicated()]
    if len(dup):
        raise InputError(f"{path.name}: LSOA {dup.iloc[0]} appears more than once; "
                         "load the official file unchanged.")
    lad_col = next((c for c in raw.columns if _LAD_CODE.match(c)), None)
    lad = raw[lad_col].str.strip() if lad_col else pd.Series(pd.NA, index=raw.index, dtype="str")
    out = pd.DataFrame({"lsoa": lsoa.astype("str"), "lad": lad.astype("str")})
    out.attrs["lsoa_vintage"] = vintage
    return out


def _integers(values: pd.Series, col: str, path: Path, codes: pd.Series) -> pd.Series:
    """Text like "29,199" -> int64; InputError naming the first value that is not a whole
    number."""
    import numpy as np
    import pandas as pd

    text = values.fillna("").astype("str").str.replace(r"[,\s]", "", regex=True)
    nums = pd.to_numeric(text, errors="coerce")
    bad = nums.isna() | (nums != np.floor(nums))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{path.name}: column {col!r} has {values.iloc[i]!r} for LSOA "
                         f"{codes.iloc[i]} (data row {i + 1}); a whole number is expected.")
    return nums.astype("int64")


def _validate_ranks(out: pd.DataFrame, path: Path) -> None:
    """Deciles 1..10, ranks >= 1, and decile never falling as rank rises (1 = most deprived)."""
    for col in out.columns:
        if col.endswith("_decile") and not out[col].between(1, 10).all():
            bad = out.loc[~out[col].between(1, 10), col].iloc[0]
            raise InputError(f"{path.name}: {col} {bad} is outside 1..10 (1 = most deprived).")
        if col.endswith("_rank") and (out[col] < 1).any():
            raise InputError(f"{path.name}: {col} below 1 (rank 1 = most deprived).")
    ordered = out.sort_values("imd_rank", kind="stable")["imd_decile"]
    if (ordered.diff().dropna() < 0).any():
        raise InputError(f"{path.name}: IMD deciles do not rise with ranks; the file must use "
                         "rank 1 and decile 1 for the most deprived LSOAs.")

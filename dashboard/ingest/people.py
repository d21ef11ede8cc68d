"""The one rule for "this supplier is a private individual", and what is withheld because of it.

A supplier is treated as an individual when the register flags it (any individual column), when
its name is a redaction marker ("Redacted personal data") or when its name starts with a personal
title ("MR ALBERT SMITH", "Dr. A Jones"). The same rule is used at import (the supplier table),
when a saved data set is opened (data sets saved before the rule existed), for the list of
suppliers to locate and for rejected rows, so a person is never named, placed or tied to a line
of a source file by one part of the app while another withholds them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from dashboard.engine.model import YES
from dashboard.ingest.io.suppliers import is_personal
from dashboard.ingest.parse import normalise_supplier_name

#: A personal title, then a space or a full stop ("MR ALBERT", "Dr. A Jones"; not "MRSA Ltd").
_TITLE = r"\s*(?:MR|MRS|MS|MISS|MX|DR|PROF|REV|SIR|DAME|LADY|LORD)[ .]"
_PERSON_TITLE = re.compile(_TITLE, re.IGNORECASE)
#: Words of a redaction marker that `is_personal` needs one of (a cheap pre-filter).
_MARKER_HINT = r"REDACT|WITHHELD|PERSONAL|PRIVATE|SUPPRESSED|GDPR|PROTECTION|INDIVIDUAL"
#: What a withheld rejected row shows instead of its cells.
WITHHELD_ROW = "(cells withheld: the row names a private individual)"


def looks_like_person(name: object) -> bool:
    """A name starting with a personal title (Mr, Mrs, Ms, Dr ...) or a redaction marker.

    >>> looks_like_person("MR ALBERT SMITH"), looks_like_person("MRSA Screening Ltd")
    (True, False)
    """
    if not isinstance(name, str):
        return False
    return bool(_PERSON_TITLE.match(name)) or is_personal(name)


def person_mask(names: pd.Series | Iterable[object]) -> np.ndarray:
    """`looks_like_person` of each name, vectorised (a national register has a million names:
    Arrow's regex engine on the string column, Python only for the few redaction-marker
    candidates)."""
    text = names if isinstance(names, pd.Series) else pd.Series(list(names), dtype=object)
    if text.dtype == object:
        text = text.where(text.map(lambda v: isinstance(v, str)), None)
    text = text.astype("str")
    titled = text.str.match(_TITLE, case=False).fillna(False).to_numpy(bool)
    hint = text.str.contains(_MARKER_HINT, case=False).fillna(False).to_numpy(bool)
    marker = np.zeros(len(text), bool)
    for i in np.flatnonzero(hint & ~titled):
        marker[i] = is_personal(text.iat[i])
    return titled | marker


def flag_people(suppliers: pd.DataFrame) -> pd.DataFrame:
    """The supplier table with person-like names flagged individual and their display name
    removed (a copy when anything changes). For data sets saved before the rule was applied."""
    if "name" not in suppliers or "individual" not in suppliers or suppliers.empty:
        return suppliers
    person = person_mask(suppliers["name"]) & (suppliers["individual"].to_numpy() != YES)
    if not person.any():
        return suppliers
    out = suppliers.copy()
    out.loc[person, "individual"] = YES
    if "display_name" in out:
        out["display_name"] = out["display_name"].astype(object)
        out.loc[person, "display_name"] = None
    return out


def individual_names(suppliers: pd.DataFrame | None) -> set[str]:
    """Normalised names of the suppliers flagged individual in a supplier or register table."""
    if suppliers is None or suppliers.empty or "individual" not in suppliers:
        return set()
    flag = suppliers["individual"]
    if str(flag.dtype) == "boolean":
        chosen = flag.fillna(False).to_numpy(bool)
    else:
        chosen = flag.to_numpy() == YES
    names = suppliers["name"].fillna("").astype(str).to_numpy(object)[chosen]
    return {n for n in (normalise_supplier_name(x) for x in names) if n}


def names_a_person(raw: str, individuals: set[str]) -> bool:
    """Whether a rejected row's raw text (cells joined by commas) names an individual: a cell that
    looks like a person or a redaction marker, or matches a supplier flagged individual."""
    cells = [c.strip().strip('"') for c in str(raw).split(",")]
    for cell in cells:
        if not cell:
            continue
        if looks_like_person(cell):
            return True
        if individuals and normalise_supplier_name(cell) in individuals:
            return True
    return False


def withhold_rejected(rejected: pd.DataFrame, individuals: set[str]) -> pd.DataFrame:
    """Rejected rows with the raw cells of every row naming a person replaced by `WITHHELD_ROW`
    and quoted values in its reason replaced by '…' (a reason may quote the name or postcode)."""
    if rejected is None or rejected.empty or "raw" not in rejected:
        return rejected
    raw = rejected["raw"].astype(object).fillna("").astype(str)
    hit = np.array([names_a_person(r, individuals) for r in raw], dtype=bool)
    if not hit.any():
        return rejected
    out = rejected.copy()
    out["raw"] = np.where(hit, WITHHELD_ROW, raw.to_numpy(object))
    if "reason" in out:
        reason = out["reason"].astype(object).fillna("").astype(str)
        out["reason"] = np.where(hit, reason.str.replace(r"'[^']*'", "'…'", regex=True),
                                 reason.to_numpy(object))
    return out

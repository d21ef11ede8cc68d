"""Find a ward or a postcode on the map: the search box's options and what a choice selects.

Ward names and codes come from the data set's wards; postcodes from its located suppliers that
are not individuals (an individual's postcode is personal data and is never offered, the same
rule as the map's supplier points: `layers.supplier_points.eligible`). A postcode chosen selects
the ward it lies in, and the map zooms to that ward. The options are made on the server for what
has been typed (at most `LIMIT`), so an England-sized data set never sends its whole list.
"""
from __future__ import annotations

import math
import re
from bisect import bisect_left
from typing import Any

import numpy as np

from dashboard.engine.model import Dataset
from layers import supplier_points
from layers._common import geometry

LIMIT = 12
WARD, POSTCODE = "ward:", "postcode:"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def _postcodes(ds: Dataset) -> dict[str, tuple[str, str]]:
    """Squashed postcode -> (postcode as written, ward code), once per data set."""
    def build() -> dict[str, tuple[str, str]]:
        sup = ds.suppliers
        ok = supplier_points.eligible(ds)
        out: dict[str, tuple[str, str]] = {}
        for pc, ward in zip(sup["postcode"].to_numpy(object)[ok], sup["ward"].to_numpy(object)[ok]):
            if isinstance(pc, str) and pc.strip() and isinstance(ward, str) and ward:
                out.setdefault(_squash(pc), (pc.strip().upper(), ward))
        return out

    return ds.derived.once("view.search.postcodes", build)


def _sorted_keys(ds: Dataset) -> list[str]:
    """The squashed postcodes in order, for a prefix search by bisection (once per data set)."""
    return ds.derived.once("view.search.postcode_keys", lambda: sorted(_postcodes(ds)))


def search_options(ds: Dataset, text: str | None, limit: int = LIMIT) -> list[dict[str, str]]:
    """Options for what has been typed: wards whose name (or code) contains it, names starting
    with it first, then postcodes starting with it (spaces ignored). Nothing under two
    characters."""
    query = (text or "").strip()
    if len(query) < 2:
        return []
    low = query.lower()
    names = {str(c): str(n) for c, n in zip(ds.wards["code"], ds.wards["name"])}
    wards = [(not n.lower().startswith(low), n, c) for c, n in names.items()
             if low in n.lower() or low in c.lower()]
    out = [{"label": f"Ward: {n}", "value": WARD + c} for _, n, c in sorted(wards)[:limit]]
    squashed = _squash(query)
    if len(out) < limit and any(ch.isdigit() for ch in squashed):
        keys, found = _sorted_keys(ds), _postcodes(ds)
        i = bisect_left(keys, squashed)
        while i < len(keys) and keys[i].startswith(squashed) and len(out) < limit:
            pc, ward = found[keys[i]]
            out.append({"label": f"Postcode: {pc} (ward: {names.get(ward, ward)})",
                        "value": POSTCODE + keys[i]})
            i += 1
    return out


def chosen_ward(ds: Dataset, value: Any) -> str | None:
    """The ward code a search choice selects (None for anything unknown)."""
    if not isinstance(value, str):
        return None
    codes = set(map(str, ds.wards["code"]))
    if value.startswith(WARD):
        code = value[len(WARD):]
        return code if code in codes else None
    if value.startswith(POSTCODE):
        hit = _postcodes(ds).get(value[len(POSTCODE):])
        return hit[1] if hit and hit[1] in codes else None
    return None


def ward_bounds(ds: Dataset, code: str | None) -> list[float] | None:
    """[west, south, east, north] of a ward's drawing geometry (None when it has none)."""
    if not code:
        return None
    return _all_bounds(ds).get(code)


def _all_bounds(ds: Dataset) -> dict[str, list[float]]:
    def build() -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        for f in geometry(ds)["wards"].get("features", []):
            code = str(f.get("id", (f.get("properties") or {}).get("code")))
            xs: list[float] = []
            ys: list[float] = []
            _walk((f.get("geometry") or {}).get("coordinates"), xs, ys)
            if xs and all(map(math.isfinite, xs + ys)):
                out[code] = [float(np.min(xs)), float(np.min(ys)), float(np.max(xs)),
                             float(np.max(ys))]
        return out

    return ds.derived.once("view.search.bounds", build)


def _walk(c: Any, xs: list[float], ys: list[float]) -> None:
    if c and isinstance(c[0], (int, float)):
        xs.append(float(c[0]))
        ys.append(float(c[1]))
    else:
        for part in c or ():
            _walk(part, xs, ys)

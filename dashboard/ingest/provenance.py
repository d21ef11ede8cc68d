"""Where every figure comes from: the import record written into a data set's manifest.

``with_meta`` adds to the built data set's meta its title, import time, the sources (each spend
file's name, sha256, size and rows read, accepted and rejected; each reference file's path and
checksum; the register), the vintages of the deprivation index and boundaries, the attribution,
the import report, the suppliers still to locate, the import options (to reuse when files are
added) and the geometry drawn for the map.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from dashboard.engine.model import Dataset
from dashboard.ingest.anchors import anchor_records
from dashboard.ingest.hashing import SpendFile, SpendItem, display_name, file_sha256
from dashboard.ingest.io.boundaries import drawing_for_map
from dashboard.ingest.pipeline import Built, Sources
from dashboard.ingest.unlocated import supplier_ids, unlocated_records

REFERENCE_FIELDS = ("postcodes", "imd", "wards", "lsoas", "lsoa_lookup", "population",
                    "ward_lookup")


def with_meta(built: Built, src: Sources, spend: list[SpendFile], refused: list[dict],
              previous: dict | None, title: str) -> Dataset:
    """The built data set with the manifest's import record in its meta."""
    ds = built.dataset
    report = dict(built.report)
    report["duplicates_refused"] = refused
    report["rejected_reasons"] = rejected_reasons(built.rejected)
    report["rows_read"] = sum(int(f.get("rows_read") or 0) for f in report.get("files", []))
    report["rows_accepted"] = len(ds.tx)
    unlocated = unlocated_records(ds, supplier_ids(built, src))
    report["unlocated_listed"] = len(unlocated)
    meta = dict(ds.meta)
    meta.update({
        "title": title,
        "imported": datetime.now(UTC).isoformat(timespec="seconds"),
        "added_to": (previous or {}).get("meta", {}).get("imported"),
        "attribution": attribution(ds, src),
        "sources": _sources_meta(built, src, spend),
        "vintages": _vintages(built, src),
        "import": report,
        "rows_rejected": int(len(built.rejected)),
        "unlocated": unlocated,
        "import_options": _options_meta(src),
        "counts": {"transactions": len(ds.tx), "suppliers": int(len(ds.suppliers)),
                   "anchors": int(len(ds.anchors)),
                   "suppliers_located": int(ds.suppliers["located"].sum())},
        "geometry": _geometry(built),
    })
    return replace(ds, meta=meta)


def _sources_meta(built: Built, src: Sources, spend: list[SpendFile]) -> dict:
    by_name = {f["name"]: f for f in built.report.get("files", [])}
    files = []
    for i, s in enumerate(spend):
        read = by_name.get(s.name, {})
        files.append({
            "name": s.name, "sha256": s.sha256, "size": s.size,
            "rows_read": read.get("rows_read"), "rows_accepted": read.get("rows_accepted"),
            "rows_rejected": read.get("rows_rejected"), "encoding": read.get("encoding"),
            "mapping": read.get("mapping"), "duplicate_of": read.get("duplicate_of"),
            "options": read.get("options"),
            "kept": f"sources/spend/{i:03d}.gz",
        })
    out = {"spend": files, "reference": _reference_meta(src)}
    if src.suppliers:
        out["suppliers"] = {**_file_entry(src.suppliers), "kept": "sources/suppliers.gz"}
    old = built.dataset.meta.get("sources", {})
    out.update({k: old.get(k) for k in ("imd_lsoa_vintage", "ward_vintage")})
    for fld in ("imd", "wards", "postcodes", "population"):
        ref = out["reference"].get(fld)
        if ref:
            out[fld] = ([{"name": r["name"]} for r in ref] if isinstance(ref, list)
                        else {"name": ref["name"]})
    return out


def _reference_meta(src: Sources) -> dict:
    """Name, absolute path, sha256 and size of each reference file given."""
    out = {}
    for fld in REFERENCE_FIELDS:
        value = getattr(src, fld)
        if not value:
            continue
        many = isinstance(value, (list, tuple))
        entries = [_file_entry(p) for p in (value if many else [value])]
        out[fld] = entries if many else entries[0]
    return out


def _file_entry(source: SpendItem) -> dict:
    """Name, absolute path (None for uploaded bytes), sha256 and size of one file."""
    digest, size = file_sha256(source)
    path = None if isinstance(source, tuple) else str(Path(source).resolve())
    return {"name": display_name(source), "path": path, "sha256": digest, "size": size}


def _vintages(built: Built, src: Sources) -> dict:
    ds = built.dataset
    bridge = built.report.get("lsoa_bridge") or {}
    imd_vintage = ds.meta.get("sources", {}).get("imd_lsoa_vintage") or ds.meta.get(
        "lsoa_vintage")
    return {
        "imd_file": Path(src.imd).name if src.imd else None,
        "imd_lsoa_vintage": imd_vintage,
        "index": _index_name(imd_vintage),
        "postcodes_lsoa_vintage": bridge.get("from") or imd_vintage,
        "wards": built.wards_geo.attrs.get("vintage") if built.wards_geo is not None else None,
        "lsoas": built.lsoas_geo.attrs.get("vintage") if built.lsoas_geo is not None else None,
    }


def _index_name(lsoa_vintage: str | None) -> str | None:
    return {"2011": "Indices of Deprivation 2019", "2021": "Indices of Deprivation 2025"}.get(
        str(lsoa_vintage))


def attribution(ds: Dataset, src: Sources | None = None) -> str:
    """The attribution the data set's displays must show (OGL sources and the spend's publishers)."""
    vintage = ds.meta.get("sources", {}).get("imd_lsoa_vintage") or ds.meta.get("lsoa_vintage")
    index = _index_name(vintage) or "Indices of Deprivation"
    anchors = ", ".join(ds.anchors["name"].astype(str)) or "the anchors"
    return ("Contains OS data © Crown copyright and database right; Contains National Statistics "
            f"data © Crown copyright and database right; {index}: Ministry of Housing, "
            "Communities and Local Government. Open Government Licence v3.0. "
            f"Spend: {anchors}, published under the transparency code.")


def _options_meta(src: Sources) -> dict:
    anchors = None if src.anchors is None else anchor_records(src.anchors)
    return {"columns": src.columns, "anchor_name": src.anchor_name,
            "period": [d.isoformat() for d in src.period] if src.period else None,
            "date_order": src.date_order, "anchors": anchors}


def period_of(value) -> tuple[date, date] | None:
    """A period recorded as ``[from, to]`` ISO dates (the import options, a job's spec)."""
    if not value:
        return None
    return date.fromisoformat(value[0]), date.fromisoformat(value[1])


def _geometry(built: Built) -> dict:
    out = {}
    if built.wards_geo is not None:
        out["wards"] = drawing_for_map(built.wards_geo)
    if built.lsoas_geo is not None:
        out["lsoas"] = drawing_for_map(built.lsoas_geo)
    return out


def rejected_reasons(rejected: pd.DataFrame) -> list[dict]:
    """Rejected rows counted by reason, the cell values taken out ("no date (the cell holds
    '…')"), most frequent first, with one example file and line for each."""
    if rejected is None or rejected.empty:
        return []
    general = rejected["reason"].astype(str).str.replace(r"'[^']*'", "'…'", regex=True)
    counts = Counter(general)
    first = {}
    for reason, f, line in zip(general, rejected["source_file"], rejected["line"]):
        first.setdefault(reason, f"{f} line {int(line)}")
    return [{"reason": r, "rows": n, "example": first[r]} for r, n in counts.most_common()]

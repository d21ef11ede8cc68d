"""The register of suppliers that could not be located: listed at import, given back to fill in.

An import records the suppliers with spend whose postcode is missing or in no directory (biggest
spend first; individuals, redaction markers and names with a personal title left out) in the
manifest; ``unlocated_register`` turns them into a supplier register to fill in and upload.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

from dashboard.engine.model import NO, YES, Dataset
from dashboard.ingest.catalog import read_manifest
from dashboard.ingest.io.spend import read_spend
from dashboard.ingest.parse import normalise_supplier_name
from dashboard.ingest.people import looks_like_person
from dashboard.ingest.pipeline import Built, Sources

REGISTER_COLUMNS = ("Supplier Name", "Supplier ID", "Postcode", "SME", "VCSE", "Individual",
                    "Reason", "Spend £", "Transactions")
__all__ = ["REGISTER_COLUMNS", "looks_like_person", "supplier_ids", "unlocated_records",
           "unlocated_register"]   # looks_like_person: the one rule, in dashboard.ingest.people


def supplier_ids(built: Built, src: Sources) -> dict[str, str] | None:
    """Normalised supplier name -> its most used supplier id, when a spend file has ids.

    Ids that several names share (a "sundry suppliers" id) are left out: in a register they
    would merge different suppliers and match one's postcode to the other's payments.
    Taken from the pipeline's per-transaction details when it keeps ``supplier_id`` there;
    otherwise the spend is read again for them (about a third of the import's time).
    """
    files = built.report.get("files", [])
    if not any("supplier_id" in (f.get("mapping") or {}) for f in files):
        return None
    if "supplier_id" in built.details:   # kept by the pipeline: no second read
        ids = built.details["supplier_id"].fillna("").astype(str).reset_index(drop=True)
        keys = built.dataset.suppliers["key"].astype(str).str.split("|").str[0]
        norm = keys.to_numpy(object)[built.dataset.tx.supplier]
    else:
        spend = read_spend(src.spend, columns=src.columns, anchor_name=src.anchor_name,
                           period=src.period).transactions
        ids = spend["supplier_id"].fillna("").astype(str)
        names = spend["supplier"].tolist()
        distinct = {n: normalise_supplier_name(n) for n in set(names)}
        norm = np.array([distinct[n] for n in names], dtype=object)
    have = (ids != "").to_numpy(bool)
    if not have.any():
        return None
    counts = pd.DataFrame({"key": norm[have], "id": ids[have].to_numpy(object)})
    shared = counts.groupby("id")["key"].nunique()
    counts = counts[counts["id"].map(shared).to_numpy() == 1]   # an id of several names: unsafe
    best = counts.groupby(["key", "id"]).size().reset_index(name="n").sort_values(
        ["key", "n", "id"], ascending=[True, False, True]).drop_duplicates("key")
    return dict(zip(best["key"], best["id"]))


def unlocated_records(ds: Dataset, ids: dict[str, str] | None) -> list[dict]:
    """Suppliers with spend that could not be located, biggest first; individuals left out."""
    sup = ds.suppliers
    spend = np.bincount(ds.tx.supplier, weights=ds.tx.amount.astype(np.float64),
                        minlength=len(sup))
    count = np.bincount(ds.tx.supplier, minlength=len(sup))
    names = sup["name"].fillna("").astype(str).to_numpy(object)
    keep = (~sup["located"].to_numpy(bool)) & (sup["individual"].to_numpy() != YES) & (
        count > 0)
    keep &= np.array([bool(n.strip()) and not looks_like_person(n) for n in names])
    out = []
    for i in np.flatnonzero(keep)[np.argsort(-spend[keep], kind="stable")]:
        postcode = sup["postcode"].iloc[i]
        has_pc = isinstance(postcode, str) and postcode != ""
        out.append({
            "name": names[i],
            "supplier_id": (ids or {}).get(str(sup["key"].iloc[i]).split("|")[0], ""),
            "sme": _flag(sup["sme"].iloc[i]), "vcse": _flag(sup["vcse"].iloc[i]),
            "individual": _flag(sup["individual"].iloc[i]),
            "reason": f"postcode {postcode} is not in the postcode directory" if has_pc
            else "no postcode",
            "spend_pence": int(round(spend[i])), "transactions": int(count[i]),
        })
    return out


def _flag(code) -> str:
    return "yes" if code == YES else "no" if code == NO else ""


def unlocated_register(built_or_folder: Built | Dataset | str | os.PathLike) -> pd.DataFrame:
    """The suppliers that could not be located, as a supplier register to fill in and upload.

    Columns: Supplier Name, Supplier ID (blank when the spend has none), Postcode (blank: to fill
    in), SME, VCSE, Individual (known flags filled in), then Reason, Spend £ and Transactions to
    help choose which to fill first (the register reader ignores them). Individuals, redaction
    markers and names starting with a personal title are left out: they are never placed on the
    map, so there is nothing to fill in, and the list never names a person.
    """
    records = _records_of(built_or_folder)
    frame = pd.DataFrame({
        "Supplier Name": [r["name"] for r in records],
        "Supplier ID": [r.get("supplier_id", "") for r in records],
        "Postcode": [""] * len(records),
        "SME": [r.get("sme", "") for r in records],
        "VCSE": [r.get("vcse", "") for r in records],
        "Individual": [r.get("individual", "") for r in records],
        "Reason": [r.get("reason", "") for r in records],
        "Spend £": [r.get("spend_pence", 0) / 100 for r in records],
        "Transactions": [r.get("transactions", 0) for r in records],
    }, columns=list(REGISTER_COLUMNS))
    return frame


def _records_of(x) -> list[dict]:
    if isinstance(x, Built):
        return unlocated_records(x.dataset, None)
    if isinstance(x, Dataset):
        recorded = x.meta.get("unlocated")
        return recorded if recorded is not None else unlocated_records(x, None)
    return read_manifest(x).get("meta", {}).get("unlocated", [])

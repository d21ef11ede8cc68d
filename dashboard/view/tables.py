"""Tables shown beside the map (its text alternative). Their CSV downloads are written by
`dashboard.output.cells`, which neutralises formula-like cells."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.engine import metrics as m
from dashboard.engine.metrics import Options, Summary
from dashboard.engine.model import Dataset
from dashboard.view.places import district_name


def ward_rows(s: Summary) -> pd.DataFrame:
    """One row per ward: spend, suppliers and deprivation figures (the ward layers' numbers)."""
    dep = m.ward_deprivation_table(s.ds, s.options)
    w = s.by_ward.merge(dep, on="ward_code", how="left")
    return pd.DataFrame({
        "Ward": w["ward_name"].astype(object),
        "Code": w["ward_code"].astype(object),
        "Spend (£)": w["spend"].to_numpy(np.int64) / 100,
        "Suppliers": w["suppliers"].astype(np.int64),
        "Average IMD rank (1 = most deprived)": _round(w["imd_avg_rank"], 0),
        f"Population in most deprived {s.options.most_deprived}% (%)":
            _round(w["pop_share_most_deprived"], 1, scale=100),
        "Population": w["population"].astype("Int64"),
    })


def lsoa_rows(ds: Dataset, options: Options) -> pd.DataFrame:
    """One row per LSOA: national decile, the decile under the chosen reference, and its ward."""
    lsoas = ds.lsoas
    ward_names = dict(zip(ds.wards["code"], ds.wards["name"]))
    out = pd.DataFrame({
        "LSOA": lsoas["lsoa"].astype(object),
        "District": [district_name(c, ds.meta) for c in lsoas["lad"]],
        "District code": lsoas["lad"].astype(object),
        "Ward": [ward_names.get(w) for w in lsoas["ward"]],
        "IMD rank (1 = most deprived)": lsoas["imd_rank"].astype(np.int64),
        "National decile (1 = most deprived)": lsoas["imd_decile"].astype(np.int64),
    })
    if options.reference == "local":
        local = m.local_deciles(lsoas, m.local_area(ds, options))
        out["Local decile (1 = most deprived)"] = pd.Series(
            [int(d) if d <= 10 else None for d in local], dtype=object)
    out[f"In most deprived {options.most_deprived}%"] = np.where(
        m.deprived_lsoas(ds, options), "yes", "no")
    return out


def supplier_rows(s: Summary, *, n: int | None = None, ward: str | None = None,
                  anchor: str | None = None, sums: tuple | None = None) -> pd.DataFrame:
    """Suppliers by spend (individuals withheld by the engine), columns ready to show or save;
    `sums` as `metrics.supplier_table` takes them."""
    t = m.supplier_table(s, n=n, ward=ward, anchor=anchor, sums=sums)
    label = f"Most deprived {s.options.most_deprived}%"
    return pd.DataFrame({
        "Supplier": t["supplier"].astype(object),
        "Postcode": t["postcode"].astype(object),
        "Ward": t["ward"].astype(object),
        "Spend (£)": t["spend"].to_numpy(np.int64) / 100,
        "Payments": t["transactions"].astype(np.int64),
        label: np.where(t["most_deprived"], "yes", "no"),
        "Local": np.where(t["local"], "yes", "no"),
        "Located": np.where(t["located"], "yes", "no"),
    })


def _round(values: pd.Series, digits: int, scale: float = 1.0) -> pd.Series:
    """Round a column of floats/None, keeping None (JSON null) for undefined values."""
    return pd.Series([None if v is None or v != v else round(float(v) * scale, digits)
                      for v in values], dtype=object)


def decile_spend(s: Summary) -> pd.DataFrame:
    """Located spend (pence) by the national IMD decile of the supplier's LSOA (1 = most deprived)."""
    ds = s.ds
    lsoa = ds.sup_lsoa
    ok = ds.sup_located & (lsoa >= 0)
    decile = ds.lsoas["imd_decile"].to_numpy(np.int64)[np.maximum(lsoa, 0)]
    spend = np.bincount(decile[ok], weights=s.sup_spend[ok].astype(np.float64), minlength=11)
    return pd.DataFrame({"decile": np.arange(1, 11), "spend": np.rint(spend[1:11]).astype(np.int64)})

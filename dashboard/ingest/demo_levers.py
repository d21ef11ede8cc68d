"""The demo's other two levers: a fictional workforce and estate for the demo anchors.

Generated with their own fixed seed (so the demo's spend stays exactly as it was), written out as
the files an HR team and an estates team would send, in several of the shapes the importers read
(one row per employee with pay, an XLSX with a yes/no living-wage column and no anchor column,
counts by LSOA; a table of sites with postcodes, coordinates and a polygon, and a GeoJSON file),
then imported by `build_demo` through the real importers. A few rows are wrong on purpose (a pay
of £0, one of £1,000 an hour, postcodes outside the directory, a site with no location) so the
import report shows what it does with them.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.ingest.io.workforce import WorkforceFile

SNAPSHOT = date(2025, 3, 31)
EARLIER = date(2024, 3, 31)
#: Staff per anchor type, and the share living in the district (the rest further away).
STAFF = {"council": (2600, 0.86), "nhs": (5200, 0.78), "university": (2100, 0.62),
         "college": (520, 0.9), "housing": (380, 0.88), "police": (1100, 0.7)}
#: Sites per anchor type and typical uses.
SITES = {"council": (38, ["Office", "Depot", "Library", "Community centre", "School", "Car park",
                          "Leisure centre", "Land"]),
         "nhs": (22, ["Clinic", "Hospital building", "Office", "Car park", "Land"]),
         "university": (14, ["Teaching", "Student housing", "Office", "Land"]),
         "college": (6, ["Teaching", "Workshop", "Office"]),
         "housing": (26, ["Housing", "Office", "Garage block", "Land", "Shop"]),
         "police": (9, ["Police station", "Office", "Custody suite", "Land"])}
STATUSES = (["in use", "underused", "vacant", "surplus", "disposal planned", ""],
            [0.6, 0.12, 0.1, 0.08, 0.06, 0.04])
STATUS_WORDS = {"in use": ["In use", "Occupied", "Operational"], "underused": ["Underused",
                "Under-utilised", "Partly occupied"], "vacant": ["Vacant", "Empty", "Void"],
                "surplus": ["Surplus", "Surplus to requirements"],
                "disposal planned": ["Disposal planned", "For disposal"], "": [""]}


def generate_levers(rng: np.random.Generator, directory: pd.DataFrame, anchors: pd.DataFrame,
                    district: str, folder: Path) -> tuple[list[WorkforceFile], list[Path]]:
    """Write the workforce and estate files into ``folder``: (workforce files, estate files).

    ``directory`` is the postcode directory (`read_postcodes`), ``anchors`` the demo's anchor
    table (name, type)."""
    live = directory[~directory["terminated"] & directory["lat"].notna()]
    local = live[live["lad"] == district].sort_values("postcode").reset_index(drop=True)
    away = live[live["lad"] != district].sort_values("postcode").reset_index(drop=True)
    files = []
    for i, (name, kind) in enumerate(zip(anchors["name"], anchors["type"])):
        n, local_share = STAFF[kind]
        staff = _staff(rng, n, local_share, local, away, SNAPSHOT)
        files.append(_write_staff(staff, name, i, folder))
        if kind == "council":   # an earlier extract too: targets need a year before
            older = _staff(rng, int(n * 0.97), local_share - 0.02, local, away, EARLIER)
            files.append(_write_staff(older, name, 0, folder, suffix="-2024"))
    return files, _write_estate(rng, anchors, local, folder)


def _staff(rng: np.random.Generator, n: int, local_share: float, local: pd.DataFrame,
           away: pd.DataFrame, snapshot: date) -> pd.DataFrame:
    """One row per employee: home postcode, hourly pay, start date, contract type."""
    is_local = rng.random(n) < local_share
    pcs = np.where(is_local, local["postcode"].to_numpy(str)[rng.integers(0, len(local), n)],
                   away["postcode"].to_numpy(str)[rng.integers(0, len(away), n)]).astype(object)
    lost = rng.random(n)
    pcs[lost < 0.015] = ""                                    # no postcode given
    pcs[(lost >= 0.015) & (lost < 0.025)] = "ZZ9 9ZZ"         # not in the directory
    pay = np.round(np.exp(rng.normal(np.log(15.5), 0.32, n)), 2).clip(11.44, 95)
    pay[rng.random(n) < 0.04] = np.nan                         # pay not known
    apprentice = rng.random(n) < 0.03
    pay[apprentice] = np.round(rng.uniform(7.55, 11.0, apprentice.sum()), 2)
    days = rng.exponential(2200, n).astype(int).clip(0, 40 * 365)
    start = [snapshot - timedelta(days=int(d)) for d in days]
    return pd.DataFrame({"postcode": pcs, "pay": pay, "start": start, "snapshot": snapshot,
                         "contract": np.where(apprentice, "Apprentice", "Permanent")})


def _write_staff(staff: pd.DataFrame, anchor: str, style: int, folder: Path,
                 suffix: str = "") -> WorkforceFile:
    """Write one anchor's extract (anchor number ``style``) in one of three shapes; returns it
    with its file settings."""
    path = folder / f"staff-{style + 1}{suffix}"
    style %= 3
    if style == 0:   # one row per employee, anchor and snapshot columns, pay in pounds
        out = pd.DataFrame({
            "Organisation": anchor, "Home Postcode": staff["postcode"],
            "Hourly Rate": staff["pay"].map(lambda v: "" if v != v else f"{v:.2f}"),
            "Start Date": [d.strftime("%d/%m/%Y") for d in staff["start"]],
            "Contract Type": staff["contract"],
            "Snapshot Date": [d.isoformat() for d in staff["snapshot"]]})
        out.loc[out.index[:2], "Hourly Rate"] = ["0.00", "1000.00"]   # flagged on import
        path = path.with_suffix(".csv")
        out.to_csv(path, index=False, encoding="utf-8-sig")
        return WorkforceFile(path)
    snapshot = staff["snapshot"].iloc[0]
    if style == 1:   # XLSX, no anchor or snapshot column, living wage as yes/no
        out = pd.DataFrame({
            "Post Code": staff["postcode"],
            "Paid Living Wage": np.where(staff["pay"].isna(), "",
                                         np.where(staff["pay"] >= 12.60, "Yes", "No")),
            "Date Started": staff["start"]})
        path = path.with_suffix(".xlsx")
        out.to_excel(path, index=False)
        return WorkforceFile(path, anchor_name=anchor, snapshot=snapshot)
    # counts by home postcode, living wage and new starter (an HR system's summary report)
    new = [(snapshot - d).days < 365 for d in staff["start"]]
    lw = np.where(staff["pay"].isna(), "unknown", np.where(staff["pay"] >= 12.60, "yes", "no"))
    grouped = (pd.DataFrame({"Home Postcode": staff["postcode"], "Real Living Wage": lw,
                             "New Starter": np.where(new, "yes", "no")})
               .groupby(["Home Postcode", "Real Living Wage", "New Starter"]).size()
               .reset_index(name="Headcount"))
    path = path.with_suffix(".csv")
    grouped.to_csv(path, index=False, encoding="cp1252")
    return WorkforceFile(path, anchor_name=anchor, snapshot=snapshot)


def _write_estate(rng: np.random.Generator, anchors: pd.DataFrame, local: pd.DataFrame,
                  folder: Path) -> list[Path]:
    """A table of every anchor's sites (postcodes, a few by coordinates or as a polygon), and the
    university's sites again as GeoJSON features."""
    rows, features = [], []
    for name, kind in zip(anchors["name"], anchors["type"]):
        n, uses = SITES[kind]
        for k in range(n):
            where = local.iloc[int(rng.integers(0, len(local)))]
            status = str(rng.choice(STATUSES[0], p=STATUSES[1]))
            use = str(rng.choice(uses))
            row = {"Organisation": name, "Site Name": f"{use} {k + 1:02d}",
                   "Postcode": where["postcode"], "Latitude": "", "Longitude": "",
                   "Geometry": "", "Tenure": "Freehold" if rng.random() < 0.7 else "Leasehold",
                   "Use": use, "Floor Area (m2)": "" if use == "Land" else
                   f"{rng.lognormal(np.log(900), 0.9):.0f}",
                   "Site Area (ha)": f"{rng.lognormal(np.log(0.4), 0.8):.2f}",
                   "Status": str(rng.choice(STATUS_WORDS[status])),
                   "Community Use": "yes" if rng.random() < 0.15 else "no"}
            shape = rng.random()
            if kind == "university":
                features.append(_feature(row, where, rng))
                continue
            if shape < 0.1:
                row.update(Postcode="", Latitude=f"{where['lat']:.5f}",
                           Longitude=f"{where['lon']:.5f}")
            elif shape < 0.16:
                row.update(Postcode="", Geometry=json.dumps(_square(where, rng)))
            rows.append(row)
    rows.append({**rows[0], "Site Name": "Unknown plot", "Postcode": "", "Geometry": "",
                 "Latitude": "", "Longitude": ""})             # rejected: no location
    table = folder / "estate.csv"
    pd.DataFrame(rows).to_csv(table, index=False)
    geo = folder / "university-estate.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return [table, geo]


def _square(where: pd.Series, rng: np.random.Generator) -> dict:
    """A small square polygon (about 100-250 m a side) around a point, as GeoJSON."""
    half = float(rng.uniform(0.0005, 0.0012))
    lat, lon = float(where["lat"]), float(where["lon"])
    ring = [[round(lon - 2 * half, 6), round(lat - half, 6)],
            [round(lon + 2 * half, 6), round(lat - half, 6)],
            [round(lon + 2 * half, 6), round(lat + half, 6)],
            [round(lon - 2 * half, 6), round(lat + half, 6)],
            [round(lon - 2 * half, 6), round(lat - half, 6)]]
    return {"type": "Polygon", "coordinates": [ring]}


def _feature(row: dict, where: pd.Series, rng: np.random.Generator) -> dict:
    props = {k: v for k, v in row.items() if k not in ("Postcode", "Latitude", "Longitude",
                                                       "Geometry")}
    return {"type": "Feature", "properties": props, "geometry": _square(where, rng)}

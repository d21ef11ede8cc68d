"""A tiny network whose every figure is computed by hand in tests/unit/test_metrics.py.

Wards W1 North, W2 South, W3 East (empty). LSOAs (national rank, decile, population, district, ward):
L1 100/1/1000/A/W1, L2 5000/2/2000/A/W1, L3 20000/7/1500/A/W2, L4 9000/3/1200/B/none,
L5 30000/10/500/A/W2. Suppliers: 0 Dep One (L1, SME), 1 Dep Two (L2, VCSE), 2 Rich (L3, flags
unknown), 3 Far (L4, district B, SME), 4 Nowhere (not located), 5 an individual at L5.
"""
from __future__ import annotations

import pandas as pd

from dashboard.engine.model import Dataset, build_dataset

Y, N, U = 1, 0, -1

LSOAS = pd.DataFrame({
    "lsoa": ["L1", "L2", "L3", "L4", "L5"],
    "lad": ["A", "A", "A", "B", "A"],
    "imd_rank": [100, 5000, 20000, 9000, 30000],
    "imd_decile": [1, 2, 7, 3, 10],
    "population": [1000, 2000, 1500, 1200, 500],
    "ward": ["W1", "W1", "W2", None, "W2"],
})
WARDS = pd.DataFrame({"code": ["W1", "W2", "W3"], "name": ["North", "South", "East"]})
SUPPLIERS = pd.DataFrame({
    "key": ["DEP ONE|", "DEP TWO|", "RICH|", "FAR|", "NOWHERE|", "JANE DOE|"],
    "name": ["Dep One Ltd", "Dep Two CIC", "Rich plc", "Far Ltd", "Nowhere Ltd", "Jane Doe"],
    "display_name": ["Dep One Ltd", "Dep Two CIC", "Rich plc", "Far Ltd", "Nowhere Ltd", None],
    "postcode": ["AA1 1AA", "AA1 2AA", "AA2 1AA", "BB1 1AA", None, "AA2 9ZZ"],
    "lat": [54.9, 54.91, 54.8, 53.0, None, 54.81],
    "lon": [-1.4, -1.41, -1.3, -2.0, None, -1.31],
    "lsoa": ["L1", "L2", "L3", "L4", None, "L5"],
    "lad": ["A", "A", "A", "B", None, "A"],
    "ward": ["W1", "W1", "W2", None, None, "W2"],
    "sme": [Y, N, U, Y, U, N],
    "vcse": [N, Y, U, N, U, N],
    "individual": [N, N, N, N, N, Y],
    "located": [True, True, True, True, False, True],
})
ANCHORS = pd.DataFrame({
    "name": ["Council", "Trust"], "type": ["council", "nhs"],
    "home_area": [("A",), ("A",)], "sites": [(), ()],
})
# anchor, supplier index, pounds, date, category, capital/revenue
ROWS = [
    ("Council", 0, "1000.00", "2023-05-01", "Care", "Revenue"),
    ("Council", 0, "-200.00", "2024-03-31", "Care", "Revenue"),
    ("Council", 2, "500.00", "2023-04-01", "Works", "Capital"),
    ("Council", 4, "300.00", "2023-06-15", "Care", "Revenue"),
    ("Council", 3, "250.50", "2023-07-01", "IT", "Revenue"),
    ("Trust", 1, "400.00", "2023-08-01", "Care", "Revenue"),
    ("Trust", 5, "100.00", "2023-09-01", "Care", "Revenue"),
    ("Council", 0, "600.00", "2023-03-31", "Care", "Revenue"),
    ("Council", 2, "1000.00", "2022-04-01", "Works", "Capital"),
]


def transactions() -> pd.DataFrame:
    return pd.DataFrame({
        "anchor": [r[0] for r in ROWS],
        "supplier_idx": [r[1] for r in ROWS],
        "amount_pence": [round(float(r[2]) * 100) for r in ROWS],
        "date": pd.to_datetime([r[3] for r in ROWS]),
        "category": [r[4] for r in ROWS],
        "capital_revenue": [r[5] for r in ROWS],
        "influenceable": [r[4] != "IT" for r in ROWS],
    })


def tiny_dataset() -> Dataset:
    """Build the hand-checked network."""
    return build_dataset(transactions(), SUPPLIERS, ANCHORS, LSOAS, WARDS, name="tiny")


def _square(code: str, name: str, west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Feature", "id": code, "properties": {"code": code, "name": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def tiny_geometry() -> dict:
    """Drawing geometry for the tiny network (EPSG:4326 lon/lat), as `Dataset.meta["geometry"]`.

    Wards are three adjacent squares (about 12 km a side at this latitude): W1 North and W3 East
    side by side, W2 South under W1. LSOAs are smaller rectangles inside them: L1/L2 split W1, L3/L5
    split W2, and L4 (district B) lies far to the south-west, outside every ward. Every located
    tiny supplier falls inside its LSOA and ward (Far Ltd inside L4 only); Nowhere has no point.
    """
    wards = [
        _square("W1", "North", -1.45, 54.85, -1.25, 54.95),
        _square("W2", "South", -1.45, 54.75, -1.25, 54.85),
        _square("W3", "East", -1.25, 54.85, -1.05, 54.95),
    ]
    lsoas = [
        _square("L1", "Tiny 001A", -1.45, 54.85, -1.25, 54.905),
        _square("L2", "Tiny 001B", -1.45, 54.905, -1.25, 54.95),
        _square("L3", "Tiny 002A", -1.45, 54.75, -1.25, 54.805),
        _square("L4", "Faraway 001A", -2.05, 52.95, -1.95, 53.05),
        _square("L5", "Tiny 002B", -1.45, 54.805, -1.25, 54.85),
    ]
    return {"wards": {"type": "FeatureCollection", "features": wards},
            "lsoas": {"type": "FeatureCollection", "features": lsoas}}

"""Geography on hand-made squares: points in areas, bridging, LSOA-to-ward assignment, ward IMD."""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from dashboard.errors import InputError
from dashboard.ingest.geo import (
    assign_lsoas_to_wards,
    bridge_lsoas,
    points_in_areas,
    read_lsoa_lookup,
    read_ward_lookup,
    ward_deprivation,
)

# --- points in areas: three 1-degree squares side by side; codes deliberately not west-to-east


@pytest.fixture()
def squares() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["E05000002", "E05000001", "E05000003"], "name": ["West", "Middle", "East"]},
        geometry=[box(0, 50, 1, 51), box(1, 50, 2, 51), box(2, 50, 3, 51)],
        crs="EPSG:4326",
    )


def test_points_inside_outside_on_edge_and_without_coordinates(squares):
    lat = [50.5, 50.5, 50.5, 52.0, np.nan, 50.5, 50.0]
    lon = [0.5, 1.5, 2.5, 0.5, 0.5, 1.0, 2.5]
    got = points_in_areas(lat, lon, squares)
    assert got.dtype == object
    # on the West/Middle edge: both touch, the lowest code wins (deterministic)
    assert got.tolist() == ["E05000002", "E05000001", "E05000003", None, None, "E05000001",
                            "E05000003"]


def test_points_in_areas_reprojects_areas_in_other_crs(squares):
    metres = squares.to_crs("EPSG:3857")
    got = points_in_areas(pd.Series([50.5]), pd.Series([2.5]), metres)
    assert got.tolist() == ["E05000003"]


def test_points_in_areas_empty_inputs(squares):
    assert points_in_areas([], [], squares).tolist() == []
    assert points_in_areas([np.nan], [np.nan], squares).tolist() == [None]
    assert points_in_areas([50.5], [0.5], squares.iloc[:0]).tolist() == [None]


# --- LSOA 2011 -> 2021 bridging


@pytest.fixture()
def lookup() -> pd.DataFrame:
    rows = [("E01000001", "E01000001", "U"),
            ("E01000002", "E01000010", "M"), ("E01000003", "E01000010", "M"),
            ("E01000004", "E01000020", "S"), ("E01000004", "E01000021", "S"),
            ("E01000005", "E01000030", "X"), ("E01000005", "E01000031", "X"),
            ("E01000006", "E01000040", "X")]
    return pd.DataFrame(rows, columns=["LSOA11CD", "LSOA21CD", "CHGIND"])


@pytest.fixture()
def lsoas21() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["E01000020", "E01000021", "E01000030", "E01000031", "E01000099"],
         "name": list("abcde")},
        geometry=[box(0, 50, 1, 51), box(1, 50, 2, 51), box(2, 50, 3, 51), box(3, 50, 4, 51),
                  box(5, 50, 6, 51)],
        crs="EPSG:4326")


@pytest.fixture()
def postcodes() -> pd.DataFrame:
    rows = [  # lsoa11, lat, lon, expected 2021 LSOA
        ("E01000001", 1.0, 1.0, "E01000001"),       # unchanged
        ("E01000002", 1.0, 1.0, "E01000010"),       # merged
        ("E01000003", 1.0, 1.0, "E01000010"),       # merged
        ("E01000004", 50.5, 0.5, "E01000020"),      # split: by point
        ("E01000004", 50.5, 1.5, "E01000021"),      # split: by point
        ("E01000004", 50.5, 5.5, None),             # split, point in a non-successor: unresolved
        ("E01000004", np.nan, np.nan, None),        # split, no point: unresolved
        ("E01000005", 50.5, 2.5, "E01000030"),      # irregular, by point
        ("E01000006", 1.0, 1.0, "E01000040"),       # irregular with one successor: direct
        ("S01000001", 56.0, -3.0, None),            # Scotland: not in lookup
        (None, np.nan, np.nan, None),               # no LSOA: not in lookup
        ("E01000004", 51.001, 1.5, "E01000021"),    # ~110 m outside: nearest successor
    ]
    df = pd.DataFrame(rows, columns=["lsoa", "lat", "lon", "expected"],
                      index=[f"p{i}" for i in range(len(rows))])
    df["lsoa"] = df["lsoa"].astype("str")
    return df


def test_bridge_each_change_kind(postcodes, lookup, lsoas21):
    series, counts = bridge_lsoas(postcodes, lookup, lsoas21)
    assert list(series.index) == list(postcodes.index)
    got = [None if pd.isna(v) else v for v in series]
    assert got == [None if pd.isna(v) else v for v in postcodes["expected"]]
    assert counts == {"unchanged": 1, "merged": 2, "split": 3, "irregular": 2,
                      "not_in_lookup": 2, "unresolved": 2}
    assert sum(counts.values()) == len(postcodes)


def test_bridge_without_boundaries_leaves_split_lsoas_unresolved(postcodes, lookup):
    series, counts = bridge_lsoas(postcodes, lookup, None)
    assert counts == {"unchanged": 1, "merged": 2, "split": 0, "irregular": 1,
                      "not_in_lookup": 2, "unresolved": 6}
    assert series.notna().sum() == 4


def test_read_lsoa_lookup_detects_columns_and_derives_missing_chgind(tmp_path):
    path = tmp_path / "lu.csv"
    path.write_text("\ufeffFID,LSOA21CD,LSOA21NM,LSOA11CD\n"
                    "1,E01000001,a,E01000001\n"
                    "2,E01000010,b,E01000002\n3,E01000010,b,E01000003\n"
                    "4,E01000020,c,E01000004\n5,E01000021,d,E01000004\n", encoding="utf-8")
    lu = read_lsoa_lookup(path)
    assert lu.attrs == {"old_vintage": "2011", "new_vintage": "2021"}
    kinds = dict(zip(lu["lsoa_old"] + ">" + lu["lsoa_new"], lu["chgind"]))
    assert kinds == {"E01000001>E01000001": "U", "E01000002>E01000010": "M",
                     "E01000003>E01000010": "M", "E01000004>E01000020": "S",
                     "E01000004>E01000021": "S"}


def test_read_lsoa_lookup_needs_two_vintages(tmp_path):
    path = tmp_path / "lu.csv"
    path.write_text("LSOA21CD,WD24CD\nE01000001,E05000001\n")
    with pytest.raises(InputError, match="LSOA11CD and LSOA21CD"):
        read_lsoa_lookup(path)


# --- LSOAs to wards

X0, Y0 = 400_000, 500_000


@pytest.fixture()
def wards() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["E05000001", "E05000002", "E05000003"], "name": ["A", "B", "C"]},
        geometry=[box(X0 + 1000 * i, Y0, X0 + 1000 * (i + 1), Y0 + 1000) for i in range(3)],
        crs="EPSG:27700").to_crs("EPSG:4326")


@pytest.fixture()
def lsoas() -> gpd.GeoDataFrame:
    shapes = {
        "E01000001": box(X0 + 300, Y0, X0 + 1300, Y0 + 100),     # 70% in A, 30% in B
        "E01000002": box(X0 + 2100, Y0 + 100, X0 + 2900, Y0 + 900),  # inside C
        "E01000003": box(X0 + 3000, Y0, X0 + 3500, Y0 + 1000),   # touches C only: dropped
        "E01000004": box(X0 + 9000, Y0, X0 + 9500, Y0 + 500),    # outside: dropped
        "E01000005": box(X0 + 1500, Y0 + 500, X0 + 2500, Y0 + 600),  # 50/50 B and C: lowest
        "E01000006": box(X0 + 700, Y0 + 500, X0 + 1700, Y0 + 600),   # 30% A, 70% B
        "E01000007": box(X0 + 2600, Y0 + 800, X0 + 3600, Y0 + 900),  # 40% in C, 60% outside
    }
    return gpd.GeoDataFrame({"code": list(shapes), "name": list(shapes)},
                            geometry=list(shapes.values()), crs="EPSG:27700")


def test_largest_overlap_assignment(lsoas, wards):
    """Largest overlap wins; an LSOA mostly outside the loaded wards is dropped."""
    got = assign_lsoas_to_wards(lsoas, wards)
    assert list(got.columns) == ["lsoa", "ward_code"]
    assert dict(zip(got["lsoa"], got["ward_code"])) == {
        "E01000001": "E05000001", "E01000002": "E05000003",
        "E01000005": "E05000002", "E01000006": "E05000002"}


def test_min_share_keeps_lsoas_partly_outside_when_asked(lsoas, wards):
    got = assign_lsoas_to_wards(lsoas, wards, min_share=0.3)
    assert dict(zip(got["lsoa"], got["ward_code"]))["E01000007"] == "E05000003"
    assert "E01000003" not in set(got["lsoa"])  # touching only: never assigned


def test_assignment_by_lookup_restricted_to_loaded_areas(lsoas, wards):
    raw = pd.DataFrame({"LSOA21CD": ["E01000001", "E01000002", "E01000008", "E01000005"],
                        "LSOA21NM": ["a", "b", "c", "d"],
                        "WD24CD": ["E05000002", "E05000003", "E05000001", "E05009999"],
                        "WD24NM": ["B", "C", "A", "Z"]})
    got = assign_lsoas_to_wards(lsoas, wards, raw)
    # lookup decides even against the overlap (E01000001 -> B); unknown LSOA/ward dropped
    assert dict(zip(got["lsoa"], got["ward_code"])) == {"E01000001": "E05000002",
                                                        "E01000002": "E05000003"}


def test_read_ward_lookup(tmp_path):
    path = tmp_path / "lu.csv"
    path.write_text("LSOA21CD,LSOA21NM,WD24CD,WD24NM,LAD24CD\nE01000001,a,E05000002,B,E08\n")
    lu = read_ward_lookup(path)
    assert lu[["lsoa", "ward_code"]].values.tolist() == [["E01000001", "E05000002"]]
    assert lu.attrs == {"lsoa_vintage": "2021", "ward_vintage": "2024"}


def test_assignment_needs_boundaries_or_lookup(wards):
    with pytest.raises(ValueError):
        assign_lsoas_to_wards(None, wards)


# --- ward deprivation


@pytest.fixture()
def imd() -> pd.DataFrame:
    df = pd.DataFrame({"lsoa": ["L1", "L2", "L3", "L4"], "lad": ["X"] * 4,
                       "imd_rank": [100, 30000, 5000, 7000], "imd_decile": [1, 9, 2, 3]})
    df.attrs["lsoa_vintage"] = "2021"
    return df


@pytest.fixture()
def population() -> pd.DataFrame:
    df = pd.DataFrame({"lsoa": ["L1", "L2", "L3", "L5"], "population": [1000, 3000, 500, 10]})
    df.attrs["lsoa_vintage"] = "2021"
    return df


ASSIGNMENT = pd.DataFrame({"lsoa": ["L1", "L2", "L3", "L4"],
                           "ward_code": ["W1", "W1", "W2", "W3"]})


def test_ward_deprivation_hand_computed(imd, population):
    out = ward_deprivation(ASSIGNMENT, imd, population).set_index("ward_code")
    assert list(out.columns) == ["population", "imd_avg_rank", "pop_share_most_deprived"]
    # (100 x 1000 + 30000 x 3000) / 4000
    assert out.loc["W1", "population"] == 4000
    assert out.loc["W1", "imd_avg_rank"] == 22525.0
    assert out.loc["W1", "pop_share_most_deprived"] == 0.25  # decile 1 of deciles 1 and 9
    assert out.loc["W2", "imd_avg_rank"] == 5000.0
    assert out.loc["W2", "pop_share_most_deprived"] == 0.0  # decile 2 is not in the top 10%
    # W3: its only LSOA has no population: undefined figures, not zero
    assert out.loc["W3", "population"] == 0
    assert math.isnan(out.loc["W3", "imd_avg_rank"])
    assert math.isnan(out.loc["W3", "pop_share_most_deprived"])


@pytest.mark.parametrize("x, w1, w2", [(10, 0.25, 0.0), (20, 0.25, 1.0), (30, 0.25, 1.0)])
def test_ward_deprivation_thresholds(imd, population, x, w1, w2):
    out = ward_deprivation(ASSIGNMENT, imd, population, most_deprived=x).set_index("ward_code")
    assert out.loc["W1", "pop_share_most_deprived"] == w1
    assert out.loc["W2", "pop_share_most_deprived"] == w2


@pytest.mark.parametrize("x", [0, 5, 15, 25, 40, 100])
def test_ward_deprivation_rejects_other_thresholds(imd, population, x):
    with pytest.raises(ValueError, match="10, 20 or 30"):
        ward_deprivation(ASSIGNMENT, imd, population, most_deprived=x)


def test_ward_deprivation_refuses_mixed_vintages(imd, population):
    population.attrs["lsoa_vintage"] = "2011"
    with pytest.raises(InputError, match="same release"):
        ward_deprivation(ASSIGNMENT, imd, population)

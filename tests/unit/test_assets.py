"""Estate import and figures: sites as postcodes, coordinates or polygons (GeoJSON text, GeoJSON,
GeoPackage, zipped shapefile), placed in their LSOA and ward (a polygon by largest overlap), and the
vacant, surplus and disposal-planned sites in the most deprived areas.

Geometry: tests/tiny.py (W1 North = L1 south half + L2 north half, W2 South = L3 + L5, W3 East has
no LSOA; L1 decile 1, L2 decile 2, L3 decile 7, L5 decile 10).
"""
from __future__ import annotations

import json
import zipfile
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box, shape

from dashboard.engine import assets as a
from dashboard.engine.filters import Options
from dashboard.errors import InputError
from dashboard.ingest.io.assets import match_asset_field, read_assets, status_of, tenure_of
from dashboard.ingest.levers import SITE_COLUMNS, asset_sites
from tests import tiny

ANCHORS = pd.DataFrame({"name": ["Council", "Trust"], "home_area": [("A",), ("A",)]})
POSTCODES = {"AA1 1AA": (54.88, -1.40, "L1")}


def locate(pcs):
    return pd.DataFrame({"postcode": pcs,
                         "lat": [POSTCODES.get(p, (np.nan,))[0] for p in pcs],
                         "lon": [POSTCODES.get(p, (np.nan, np.nan))[1] for p in pcs],
                         "lsoa": [POSTCODES.get(p, (0, 0, None))[2] for p in pcs]})


def geo(kind):
    fc = tiny.tiny_geometry()[kind]
    return gpd.GeoDataFrame({"code": [f["id"] for f in fc["features"]]},
                            geometry=[shape(f["geometry"]) for f in fc["features"]],
                            crs="EPSG:4326")


def place(imp):
    return asset_sites(imp, locate, ANCHORS, geo("wards"), geo("lsoas"))


@pytest.mark.parametrize("text,status", [("In use", "in use"), ("under-used", "underused"),
                                         ("Empty", "vacant"), ("Surplus to requirements",
                                                               "surplus"),
                                         ("For disposal", "disposal planned"), ("", "unknown"),
                                         ("demolished", None)])
def test_status_words(text, status):
    assert status_of(text) == status


def test_headers_and_tenure():
    assert match_asset_field("Floor Area (m2)") == "floor_area" and \
        match_asset_field("Longitude") == "lon"
    assert tenure_of("Freehold") == "owned" and tenure_of("") == ""


# A polygon straddling W1 (mostly, inside L2) and W3.
STRADDLE = box(-1.40, 54.92, -1.20, 54.94)   # 0.15 of its width in W1, 0.05 in W3


def test_table_with_postcode_coordinates_and_polygon_text():
    text = ("Organisation,Site Name,Postcode,Latitude,Longitude,Geometry,Status,Tenure,"
            "Floor Area (m2),Site Area (ha),Community Use\n"
            "Council,Depot,AA1 1AA,,,,Vacant,Freehold,\"1,200\",0.5,no\n"
            "Council,Old school,,54.78,-1.30,,surplus,leasehold,800,1.2,yes\n"
            f"Trust,Car park,,,,\"{json.dumps(STRADDLE.__geo_interface__).replace(chr(34), 2 * chr(34))}\",For disposal,,,2.0,\n"
            "Council,Lost,ZZ9 9ZZ,,,,in use,,,,\n"
            "Council,Nowhere,,,,,in use,,,,\n"
            "Council,Swapped,,-1.30,54.78,,in use,,,,\n"
            "Council,Odd,,54.88,-1.40,,demolished,,-5,,\n")
    imp = read_assets(("estate.csv", text.encode()))
    assert imp.sites["name"].tolist() == ["Depot", "Old school", "Car park", "Lost", "Odd"]
    reasons = dict(zip(imp.rejected["line"], imp.rejected["reason"]))
    assert reasons[6].startswith("no location") and "swapped" in reasons[7]
    flags = imp.flagged["reason"].tolist()
    assert any("demolished" in f for f in flags) and any("negative" in f for f in flags)
    placed, report = place(imp)
    assert tuple(placed.columns) == SITE_COLUMNS
    got = placed.set_index("name")
    assert got.loc["Depot", ["lsoa", "ward", "status", "tenure"]].tolist() == [
        "L1", "W1", "vacant", "owned"]
    assert got.loc["Depot", "floor_area_m2"] == 1200
    assert got.loc["Old school", ["lsoa", "ward", "community_use"]].tolist() == ["L3", "W2", 1]
    assert got.loc["Car park", ["lsoa", "ward", "shape"]].tolist() == ["L2", "W1", "polygon"]
    assert pd.isna(got.loc["Lost", "lat"]) and got.loc["Odd", "status"] == "unknown"
    assert report["postcode_not_found"] == 1 and report["polygons"] == 1


def _features():
    return gpd.GeoDataFrame({
        "Anchor": ["Council", "Trust"], "Site Name": ["Hall", "Field"],
        "Status": ["underused", "vacant"], "Site Area (ha)": [0.3, 4.0]},
        geometry=[Point(-1.30, 54.82), STRADDLE], crs="EPSG:4326")


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp.zip", "geojson.gz"])
def test_spatial_files(tmp_path, fmt):
    gdf = _features()
    if fmt == "geojson":
        path = tmp_path / "sites.geojson"
        gdf.to_file(path, driver="GeoJSON")
    elif fmt == "geojson.gz":
        import gzip

        path = tmp_path / "sites.geojson.gz"
        path.write_bytes(gzip.compress(gdf.to_json().encode()))
    elif fmt == "gpkg":
        path = tmp_path / "sites.gpkg"
        gdf.to_file(path, driver="GPKG")
    else:
        shp = tmp_path / "shp"
        shp.mkdir()
        gdf = gdf.set_geometry([Point(-1.30, 54.82).buffer(0.001), STRADDLE], crs="EPSG:4326")
        gdf.rename(columns={"Site Name": "Site", "Site Area (ha)": "Hectares"}).to_crs(27700) \
            .to_file(shp / "sites.shp")
        path = tmp_path / "sites.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for f in shp.iterdir():
                zf.write(f, f.name)
    placed, _ = place(read_assets(path))
    got = placed.set_index("name")
    assert got.loc["Hall", ["lsoa", "ward", "status", "shape"]].tolist() == [
        "L5", "W2", "underused", "polygon" if fmt == "shp.zip" else "point"]
    assert got.loc["Field", ["lsoa", "ward", "status", "shape"]].tolist() == [
        "L2", "W1", "vacant", "polygon"]
    assert got.loc["Field", "site_area_ha"] == pytest.approx(4.0)


def test_no_location_column_and_no_anchor_are_clear_errors():
    with pytest.raises(InputError, match="no header row with a site name"):
        read_assets(("e.csv", b"Organisation,Notes\nCouncil,x\n"))
    with pytest.raises(InputError, match="no anchor column"):
        read_assets(("e.csv", b"Site Name,Postcode\nDepot,AA1 1AA\n"))


def test_sites_of_anchors_outside_the_network_are_rejected():
    imp = read_assets(("e.csv", b"Owner,Site,Postcode\nCouncil,A,AA1 1AA\nElsewhere,B,AA1 1AA\n"))
    placed, report = place(imp)
    assert placed["name"].tolist() == ["A"]
    assert report["rejected_reasons"][0]["reason"].startswith("anchor 'Elsewhere'")


# --------------------------------------------------------------------------- figures
SITES = [  # anchor, name, status, lsoa, ward, floor m2, site ha, community use
    ("Council", "Depot", "vacant", "L1", "W1", 1200.0, 0.5, 0),
    ("Council", "Hall", "in use", "L1", "W1", 300.0, np.nan, 1),
    ("Council", "Yard", "surplus", "L2", "W1", np.nan, 1.0, -1),
    ("Trust", "Annex", "disposal planned", "L3", "W2", 500.0, 0.2, 0),
    ("Trust", "Clinic", "underused", "L5", "W2", 900.0, 0.4, 1),
    ("Trust", "Far", "vacant", "L4", None, 100.0, 0.1, 0),
]


def ads():
    frame = pd.DataFrame(SITES, columns=["anchor", "name", "status", "lsoa", "ward",
                                         "floor_area_m2", "site_area_ha", "community_use"])
    return replace(tiny.tiny_dataset(), assets=frame)


def test_by_status_and_by_ward():
    st = a.by_status(ads()).set_index("status")
    assert st["sites"].tolist() == [1, 1, 2, 1, 1, 0]
    assert st.loc["vacant", "floor_area_m2"] == 1300 and st.loc["vacant", "site_area_ha"] == 0.6
    assert st["community_use"].sum() == 2
    w = a.by_ward(ads())
    assert w[["ward_code", "status", "sites"]].values.tolist() == [
        ["W1", "in use", 1], ["W1", "vacant", 1], ["W1", "surplus", 1],
        ["W2", "underused", 1], ["W2", "disposal planned", 1]]
    assert w["floor_area_m2"].tolist()[:3] == [300.0, 1200.0, 0.0]


@pytest.mark.parametrize("opts,names", [
    (Options(most_deprived=10), ["Depot"]),                   # decile 1 only
    (Options(most_deprived=20), ["Depot", "Yard"]),           # deciles 1-2
    (Options(most_deprived=30), ["Depot", "Yard", "Far"]),    # L4 is decile 3 (district B)
    (Options(most_deprived=30, reference="local"), ["Depot"]),  # A's 4 LSOAs: L1 local decile 3
])
def test_vacant_or_surplus_in_most_deprived(opts, names):
    assert a.candidates(ads(), opts)["name"].tolist() == names


def test_candidates_of_one_anchor_and_no_estate():
    assert a.candidates(ads(), Options(most_deprived=30), ("Trust",))["name"].tolist() == ["Far"]
    assert not a.has_assets(tiny.tiny_dataset())
    assert len(a.candidates(tiny.tiny_dataset())) == 0

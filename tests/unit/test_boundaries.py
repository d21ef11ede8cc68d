"""read_boundaries / drawing_geojson on tiny boundary sets written in every supported format."""
from __future__ import annotations

import gzip
import json
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

from dashboard.errors import InputError
from dashboard.ingest.io.boundaries import drawing_geojson, read_boundaries

# Two wards side by side in British National Grid metres (near Sunderland), 1 km squares.
X0, Y0 = 439_000, 557_000


def two_wards(code="WD24CD", name="WD24NM", crs="EPSG:27700") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {code: ["E05000002", "E05000001"], name: ["East", "West"]},
        geometry=[box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000), box(X0, Y0, X0 + 1000, Y0 + 1000)],
        crs=crs,
    )


def wiggly_pair() -> gpd.GeoDataFrame:
    """Two wards sharing a finely zig-zagged edge (x = 1000 +- 2 m), 27700."""
    ys = np.linspace(Y0, Y0 + 1000, 201)
    xs = X0 + 1000 + np.where(np.arange(201) % 2, 2.0, -2.0)
    xs[0] = xs[-1] = X0 + 1000
    edge = list(zip(xs, ys))
    west = Polygon([(X0, Y0)] + edge + [(X0, Y0 + 1000)])
    east = Polygon(list(reversed(edge)) + [(X0 + 1000, Y0), (X0 + 2000, Y0),
                                           (X0 + 2000, Y0 + 1000)])
    return gpd.GeoDataFrame({"code": ["E05000001", "E05000002"], "name": ["West", "East"]},
                            geometry=[west, east.normalize()], crs="EPSG:27700")


def write_formats(gdf: gpd.GeoDataFrame, tmp_path) -> dict[str, object]:
    """The same boundaries as GeoJSON, gzipped GeoJSON, GeoPackage and zipped shapefile."""
    paths = {}
    paths["geojson"] = tmp_path / "w.geojson"
    gdf.to_crs("EPSG:4326").to_file(paths["geojson"], driver="GeoJSON")
    paths["geojson.gz"] = tmp_path / "w.geojson.gz"
    with gzip.open(paths["geojson.gz"], "wb") as fh:
        fh.write(paths["geojson"].read_bytes())
    paths["gpkg"] = tmp_path / "w.gpkg"
    gdf.to_file(paths["gpkg"], driver="GPKG", layer="wards")
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    gdf.to_file(shp_dir / "wards.shp")
    paths["zip"] = tmp_path / "wards_shp.zip"
    with zipfile.ZipFile(paths["zip"], "w") as zf:
        for f in shp_dir.iterdir():
            zf.write(f, f.name)
    return paths


@pytest.mark.parametrize("fmt", ["geojson", "geojson.gz", "gpkg", "zip"])
def test_every_format_reads_to_code_name_geometry_in_wgs84(tmp_path, fmt):
    path = write_formats(two_wards(), tmp_path)[fmt]
    gdf = read_boundaries(path, "ward")
    assert list(gdf.columns) == ["code", "name", "geometry"]
    assert gdf.crs.to_epsg() == 4326
    assert gdf.attrs["vintage"] == "2024"
    assert dict(zip(gdf["code"], gdf["name"])) == {"E05000001": "West", "E05000002": "East"}
    west = gdf.set_index("code").geometry["E05000001"]
    # reprojected: 1 km square near Sunderland is ~0.0157 degrees wide
    assert west.bounds[0] == pytest.approx(-1.38, abs=0.05)
    assert west.bounds[1] == pytest.approx(54.9, abs=0.05)
    assert gdf.to_crs("EPSG:27700").area.round().tolist() == [1_000_000.0, 1_000_000.0]


def test_lsoa_kind_matches_case_insensitive_code_and_name(tmp_path):
    gdf = two_wards("lsoa21cd", "lsoa21nm", crs="EPSG:4326")
    path = tmp_path / "l.geojson"
    gdf.to_file(path, driver="GeoJSON")
    out = read_boundaries(path, "lsoa")
    assert out.attrs["vintage"] == "2021" and set(out["name"]) == {"East", "West"}


def test_newest_code_column_wins_and_old_code_columns_are_ignored(tmp_path):
    gdf = two_wards("WD13CD", "WD13NM", crs="EPSG:4326")
    gdf["WD13CDO"] = ["00AB", "00AC"]
    gdf["WD22CD"] = ["E05100002", "E05100001"]
    path = tmp_path / "w.geojson"
    gdf.to_file(path, driver="GeoJSON")
    out = read_boundaries(path, "ward")
    assert out.attrs["vintage"] == "2022" and set(out["code"]) == {"E05100001", "E05100002"}
    assert set(out["name"]) == {"East", "West"}  # WD13NM: the only name column


def test_generic_code_column_has_no_vintage(tmp_path):
    path = tmp_path / "w.geojson"
    two_wards("code", "name", crs="EPSG:4326").to_file(path, driver="GeoJSON")
    out = read_boundaries(path, "ward")
    assert out.attrs["vintage"] is None and len(out) == 2


def test_no_code_column_is_an_input_error_listing_columns(tmp_path):
    path = tmp_path / "w.geojson"
    two_wards("ID", "Label", crs="EPSG:4326").to_file(path, driver="GeoJSON")
    with pytest.raises(InputError) as err:
        read_boundaries(path, "ward")
    assert "WD24CD" in str(err.value) and "ID" in str(err.value) and "Label" in str(err.value)
    with pytest.raises(InputError, match="lsoa code column"):
        read_boundaries(path, "lsoa")


def test_bad_kind_and_missing_or_unreadable_file(tmp_path):
    with pytest.raises(ValueError):
        read_boundaries(tmp_path / "x.geojson", "county")
    with pytest.raises(InputError, match="not found"):
        read_boundaries(tmp_path / "x.geojson", "ward")
    junk = tmp_path / "junk.geojson"
    junk.write_text("this is not geojson")
    with pytest.raises(InputError, match="could not be read"):
        read_boundaries(junk, "ward")


def test_invalid_geometry_is_repaired_and_split_areas_merged(tmp_path):
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    gdf = gpd.GeoDataFrame({"WD22CD": ["E05000009", "E05000001", "E05000001"],
                            "WD22NM": ["Bow", "Split", "Split"]},
                           geometry=[bowtie, box(2, 0, 3, 1), box(4, 0, 5, 1)], crs="EPSG:4326")
    path = tmp_path / "w.geojson"
    gdf.to_file(path, driver="GeoJSON")
    out = read_boundaries(path, "ward").set_index("code")
    assert out.geometry.is_valid.all()
    assert out.geometry["E05000009"].area == pytest.approx(0.5)
    assert len(out) == 2 and out.geometry["E05000001"].area == pytest.approx(2.0)


def test_shapefile_without_projection_in_metres_is_taken_as_bng(tmp_path):
    shp = tmp_path / "w.shp"
    two_wards().to_file(shp)
    (tmp_path / "w.prj").unlink()
    out = read_boundaries(shp, "ward")
    assert out.crs.to_epsg() == 4326 and out.total_bounds[1] == pytest.approx(54.9, abs=0.05)


def test_drawing_geojson_properties_ids_and_rounding():
    gdf = two_wards("code", "name").to_crs("EPSG:4326")
    gj = drawing_geojson(gdf, tolerance_m=10, precision=4)
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == 2
    for feature in gj["features"]:
        assert set(feature["properties"]) == {"code", "name"}
        assert feature["id"] == feature["properties"]["code"]
        coords = np.array(feature["geometry"]["coordinates"][0])
        assert np.allclose(coords, np.round(coords, 4), atol=0, rtol=0)
    json.dumps(gj)  # serialisable as it is


def test_drawing_geojson_simplifies_but_keeps_shared_edges_shared():
    gdf = wiggly_pair().to_crs("EPSG:4326")
    before = shapely.get_num_coordinates(gdf.geometry.values).sum()
    gj = drawing_geojson(gdf, tolerance_m=20, precision=6)
    shapes = [shapely.geometry.shape(f["geometry"]) for f in gj["features"]]
    after = sum(shapely.get_num_coordinates(s) for s in shapes)
    assert after < before / 5
    west, east = shapes
    # no gap and no overlap: the two simplified wards still share one edge
    assert west.intersection(east).area == pytest.approx(0, abs=1e-12)
    assert west.boundary.intersection(east.boundary).length > 0.005
    # the unsimplified input is untouched
    assert shapely.get_num_coordinates(gdf.geometry.values).sum() == before


def test_drawing_geojson_of_empty_frame():
    empty = gpd.GeoDataFrame({"code": [], "name": []}, geometry=[], crs="EPSG:4326")
    assert drawing_geojson(empty) == {"type": "FeatureCollection", "features": []}


def test_drawing_for_map_coarsens_only_large_sets():
    import geopandas as gpd
    from shapely.geometry import box

    from dashboard.ingest.io.boundaries import drawing_for_map

    def grid(n):
        return gpd.GeoDataFrame({"code": [f"W{i}" for i in range(n)],
                                 "name": [f"W{i}" for i in range(n)]},
                                geometry=[box(-1 + i * 1e-3, 54, -1 + (i + 1) * 1e-3, 54.001)
                                          for i in range(n)], crs="EPSG:4326")

    def decimals(fc):
        x = fc["features"][0]["geometry"]["coordinates"][0][0][0]
        return len(repr(x).split(".")[1])

    assert decimals(drawing_for_map(grid(10))) <= 5
    assert decimals(drawing_for_map(grid(3001))) <= 4

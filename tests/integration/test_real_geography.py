"""The geography readers and functions on the real public files of ../shared/data.

Skipped (with a reason) where that folder is absent. Rates measured here are printed (run with
``-s`` to see them) and asserted against conservative floors.
"""
from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from dashboard.ingest.geo import (
    assign_lsoas_to_wards,
    bridge_lsoas,
    points_in_areas,
    read_lsoa_lookup,
    read_ward_lookup,
    ward_deprivation,
)
from dashboard.ingest.io.boundaries import drawing_geojson, read_boundaries
from dashboard.ingest.io.deprivation import read_imd, read_population
from dashboard.ingest.io.postcodes import read_postcodes

pytestmark = pytest.mark.shared

NSPL = ["SR", "TF", "HR", "SM", "WC"]
DISTRICTS = {"E08000024": "Sunderland", "E06000020": "Telford and Wrekin",
             "E06000019": "Herefordshire"}
SUNDERLAND = "E08000024"
IOD19_F1 = "iod2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
IOD19_F2 = "iod2019/File_2_-_IoD2019_Domains_of_Deprivation.csv.gz"
IOD19_F6 = "iod2019/File_6_-_IoD2019_Population_Denominators.csv.gz"
IOD25 = "iod2025/IoD2025_scores_ranks_deciles_by_LSOA21.csv.gz"
LU_11_21 = "lookups/LSOA11_LSOA21_LAD22_EW_LU.csv.gz"
LU_21_WD24 = "lookups/LSOA21_WD24_LAD24_EW_LU.csv.gz"


def data_lines(path) -> int:
    """Lines of a gzip CSV minus its header."""
    with gzip.open(path, "rb") as fh:
        return sum(1 for _ in fh) - 1


def assert_national_ranks(ranks: pd.Series, n: int) -> None:
    """Ranks run 1..n over England's LSOAs (the published files carry a few tied ranks)."""
    assert ranks.min() == 1 and ranks.max() <= n
    assert ranks.nunique() > 0.99 * n


@pytest.fixture(scope="module")
def imd19(shared_data):
    return read_imd(shared_data / IOD19_F1)


@pytest.fixture(scope="module")
def sunderland_postcodes(shared_data):
    df = read_postcodes(shared_data / "nspl" / "NSPL_NOV_2021_UK_SR.csv.gz")
    return df[df["lad"] == SUNDERLAND]


@pytest.fixture(scope="module")
def lsoas21(shared_data):
    return read_boundaries(shared_data / "ons" / "lsoa_2021_ew_generalised.geojson.gz", "lsoa")


@pytest.fixture(scope="module")
def wards22(shared_data):
    return read_boundaries(shared_data / "ons" / "wards_2022_uk_generalised.geojson.gz", "ward")


# --- postcode directory


@pytest.mark.parametrize("area", NSPL)
def test_nspl_extract_read_completely(shared_data, area, tmp_path):
    path = shared_data / "nspl" / f"NSPL_NOV_2021_UK_{area}.csv.gz"
    df = read_postcodes(path, cache_dir=tmp_path)
    assert len(df) == data_lines(path)
    assert df.attrs["lsoa_vintage"] == "2011"
    assert df["postcode"].is_unique and df["postcode"].str.startswith(area).all()
    term = df[df["terminated"]]
    assert len(term) > 0
    located = term["lat"].notna().mean()
    print(f"\n{area}: {len(df)} postcodes, {len(term)} terminated, {located:.1%} of them located")
    assert located > 0.9
    assert df["lat"].dropna().between(49, 61).all() and df["lon"].dropna().between(-9, 2).all()
    cached = read_postcodes(path, cache_dir=tmp_path)
    pd.testing.assert_frame_equal(cached, df)


def test_all_nspl_extracts_together(shared_data):
    paths = [shared_data / "nspl" / f"NSPL_NOV_2021_UK_{a}.csv.gz" for a in NSPL]
    df = read_postcodes(paths)
    assert len(df) == sum(data_lines(p) for p in paths)
    no_point = df["lat"].isna()
    assert no_point.any() and df.loc[no_point, "lon"].isna().all()  # 99.999999 / 0 -> NaN


# --- deprivation


def test_iod2019_file1(imd19):
    assert len(imd19) == 32_844 and imd19.attrs["lsoa_vintage"] == "2011"
    row = imd19.set_index("lsoa").loc["E01000001"]
    assert (row["imd_rank"], row["imd_decile"]) == (29199, 9)
    assert_national_ranks(imd19["imd_rank"], 32_844)
    # decile 1 = most deprived: the lowest ranks
    assert imd19.loc[imd19["imd_rank"] <= 3200, "imd_decile"].eq(1).all()
    assert imd19.loc[imd19["imd_rank"] > 29_600, "imd_decile"].eq(10).all()
    assert imd19["imd_decile"].value_counts().between(3270, 3300).all()


def test_iod2019_file2_domains_agree_with_file1(shared_data, imd19):
    f2 = read_imd(shared_data / IOD19_F2)
    for dom in ("income", "employment", "education", "health", "crime", "barriers",
                "living_environment"):
        assert f2[f"{dom}_decile"].between(1, 10).all()
        assert_national_ranks(f2[f"{dom}_rank"], 32_844)
    both = f2.merge(imd19, on="lsoa", suffixes=("", "_f1"))
    assert len(both) == 32_844 and (both["imd_rank"] == both["imd_rank_f1"]).all()
    assert f2.set_index("lsoa").loc["E01000001", "income_rank"] == 32831


def test_iod2019_file6_population(shared_data):
    pop = read_population(shared_data / IOD19_F6)
    assert len(pop) == 32_844 and pop.attrs["lsoa_vintage"] == "2011"
    assert pop.set_index("lsoa").loc["E01000001", "population"] == 1296
    assert 50_000_000 < pop["population"].sum() < 60_000_000


def test_iod2025_csv(shared_data):
    df = read_imd(shared_data / IOD25)
    assert len(df) == 33_755 and df.attrs["lsoa_vintage"] == "2021"
    assert_national_ranks(df["imd_rank"], 33_755)
    assert {"income_rank", "living_environment_decile"} <= set(df.columns)
    assert df.set_index("lsoa").loc["E01000001", "imd_rank"] == 26525


# --- boundaries


@pytest.mark.parametrize("lad", list(DISTRICTS))
def test_district_boundaries_2013_wards_and_2011_lsoas(shared_data, imd19, lad):
    wards = read_boundaries(shared_data / "ons" / "wards_2013_by_lad" / f"{lad}.geojson.gz")
    lsoas = read_boundaries(shared_data / "ons" / "lsoa_2011_by_lad" / f"{lad}.geojson.gz",
                            "lsoa")
    assert wards.attrs["vintage"] == "2013" and lsoas.attrs["vintage"] == "2011"
    assert wards["code"].str.match(r"^E05\d{6}$").all() and wards["name"].ne("").all()
    assert lsoas["code"].str.match(r"^E01\d{6}$").all()
    assert wards.crs.to_epsg() == 4326 and wards.is_valid.all() and lsoas.is_valid.all()
    assert set(lsoas["code"]) == set(imd19.loc[imd19["lad"] == lad, "lsoa"])
    # LSOAs nest in the district: nearly all their area lies inside its wards
    a = assign_lsoas_to_wards(lsoas, wards)
    print(f"\n{DISTRICTS[lad]}: {len(wards)} wards, {len(lsoas)} LSOAs, {len(a)} assigned")
    assert len(a) == len(lsoas)


def test_uk_wards_2022_and_lsoas_2021(wards22, lsoas21):
    assert wards22.attrs["vintage"] == "2022" and lsoas21.attrs["vintage"] == "2021"
    assert len(wards22) == 8_482  # 8,483 features; one ward in two parts is merged
    assert wards22["code"].is_unique and wards22["code"].str[0].eq("E").sum() == 6_903
    assert len(lsoas21) == 35_672 and lsoas21["code"].is_unique
    gj = drawing_geojson(wards22, tolerance_m=50, precision=5)
    assert len(gj["features"]) == 8_482
    assert {f["id"] for f in gj["features"]} == set(wards22["code"])
    print(f"\nUK wards drawing GeoJSON: {len(json.dumps(gj)) / 1e6:.1f} MB")


# --- geography on real data


def test_sunderland_postcodes_fall_in_sunderland_wards(shared_data, sunderland_postcodes):
    wards = read_boundaries(shared_data / "ons" / "wards_2013_by_lad" / f"{SUNDERLAND}.geojson.gz")
    pc = sunderland_postcodes[sunderland_postcodes["lat"].notna()]
    codes = points_in_areas(pc["lat"], pc["lon"], wards)
    rate = pd.notna(codes).mean()
    print(f"\nSunderland postcodes inside a Sunderland 2013 ward: {rate:.2%} of {len(pc)}")
    assert rate > 0.95
    assert set(codes[pd.notna(codes)]) <= set(wards["code"])


def test_bridge_sunderland_postcodes_to_2021_lsoas(shared_data, sunderland_postcodes, lsoas21):
    lookup = read_lsoa_lookup(shared_data / LU_11_21)
    assert lookup.attrs == {"old_vintage": "2011", "new_vintage": "2021"}
    new, counts = bridge_lsoas(sunderland_postcodes, lookup, lsoas21)
    print(f"\nSunderland bridge 2011 -> 2021: {counts}")
    assert sum(counts.values()) == len(sunderland_postcodes)
    assert counts["unchanged"] > 0.8 * len(sunderland_postcodes)
    assert counts["merged"] + counts["split"] > 0
    assert counts["unresolved"] <= 0.01 * len(sunderland_postcodes)
    iod25 = set(read_imd(shared_data / IOD25)["lsoa"])
    assert new.dropna().isin(iod25).all()
    # each bridged code is one of the lookup's successors of the postcode's 2011 LSOA
    pairs = set(zip(lookup["lsoa_old"], lookup["lsoa_new"]))
    ok = new.notna()
    assert all((o, n) in pairs for o, n in zip(sunderland_postcodes["lsoa"][ok], new[ok]))


def test_overlap_assignment_agrees_with_official_lookup(shared_data, lsoas21, wards22):
    official = read_ward_lookup(shared_data / LU_21_WD24)
    raw = pd.read_csv(shared_data / LU_21_WD24, dtype=str)
    in_lad = set(raw.loc[raw["LAD24CD"] == SUNDERLAND, "LSOA21CD"])
    wards = wards22[wards22["code"].isin(set(official.loc[official["lsoa"].isin(in_lad),
                                                          "ward_code"]))]
    # every LSOA near Sunderland, neighbours included: they must not be taken in
    minx, miny, maxx, maxy = wards.total_bounds
    near = lsoas21.cx[minx - 0.05:maxx + 0.05, miny - 0.05:maxy + 0.05]
    got = assign_lsoas_to_wards(near, wards)
    assert set(got["lsoa"]) == in_lad
    both = got.merge(official, on="lsoa", suffixes=("", "_official"))
    agreement = (both["ward_code"] == both["ward_code_official"]).mean()
    print(f"\nSunderland LSOA21 -> ward by overlap vs ONS best-fit WD24: {agreement:.1%} "
          f"of {len(both)} ({len(near)} LSOAs tested)")
    assert agreement > 0.85
    by_lookup = assign_lsoas_to_wards(near, wards, raw)
    assert set(by_lookup["lsoa"]) == in_lad


def test_sunderland_ward_deprivation_adds_up(shared_data, imd19):
    wards = read_boundaries(shared_data / "ons" / "wards_2013_by_lad" / f"{SUNDERLAND}.geojson.gz")
    lsoas = read_boundaries(shared_data / "ons" / "lsoa_2011_by_lad" / f"{SUNDERLAND}.geojson.gz",
                            "lsoa")
    pop = read_population(shared_data / IOD19_F6)
    out = ward_deprivation(assign_lsoas_to_wards(lsoas, wards), imd19, pop, most_deprived=10)
    assert set(out["ward_code"]) == set(wards["code"])
    lad = imd19[imd19["lad"] == SUNDERLAND].merge(pop, on="lsoa")
    assert out["population"].sum() == lad["population"].sum()
    # the population-weighted mean of ward averages is the district's own average rank
    lad_avg = (lad["imd_rank"] * lad["population"]).sum() / lad["population"].sum()
    assert np.average(out["imd_avg_rank"], weights=out["population"]) == pytest.approx(lad_avg)
    deprived = lad.loc[lad["imd_decile"] == 1, "population"].sum() / lad["population"].sum()
    assert np.average(out["pop_share_most_deprived"], weights=out["population"]) == \
        pytest.approx(deprived)
    assert out["imd_avg_rank"].between(1, 32_844).all()
    print(f"\nSunderland 2013 wards: avg rank {out['imd_avg_rank'].min():.0f}.."
          f"{out['imd_avg_rank'].max():.0f}, share in most deprived 10%: "
          f"{out['pop_share_most_deprived'].min():.2f}..{out['pop_share_most_deprived'].max():.2f}")

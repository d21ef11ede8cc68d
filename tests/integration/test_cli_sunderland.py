"""End to end: `python -m dashboard metrics` on real Sunderland postcodes, checked against hand sums.

The supplier register and spend file are written here. Postcode facts used (NSPL Nov 2021, IoD2019):
SR1 1AE  LSOA E01008836, national decile 1, rank 259 (2nd of Sunderland's 185: local decile 1),
         ward E05001158
SR1 1AA  terminated 1999, LSOA E01008703, decile 1, rank 3,277 (42nd: local decile 3), E05001158
SR6 8JN  LSOA E01008724, decile 10 (185th: local decile 10), ward E05001157
SR6 8JP  same LSOA and ward (an individual: counted, never named)
SR2 0AA  LSOA E01008766, decile 5 (127th: local decile 7), ward E05001164
SR7 0AA  County Durham (E06000047), decile 6: located, not local, outside the loaded wards
ZZ9 9ZZ  not in the directory: unlocated
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

REGISTER = """Supplier Name,Postcode,SME,VCSE,Individual
Alpha Builders Ltd,SR1 1AE,yes,no,no
Beta Catering Limited,sr68jn,no,no,no
Closed Shop Ltd,SR1 1AA,,,
Delta Care CIC,SR2 0AA,yes,yes,no
Echo Supplies plc,SR7 0AA,no,no,no
Foxtrot Unknown Ltd,ZZ9 9ZZ,,,
Mr J Smith,SR6 8JP,yes,no,yes
"""
SPEND = """Body Name,Paid Date,Supplier Name,Amount,Expenditure Category,Trans No
Test Council,05/04/2023,Alpha Builders Ltd,"£1,000.00",Construction,1
Test Council,06/04/2023,ALPHA BUILDERS LIMITED,-100.00,Construction,2
Test Council,07/04/2023,Beta Catering Limited,500,Catering,3
Test Council,08/04/2023,Closed Shop Ltd,250.50,Catering,4
Test Council,09/04/2023,Delta Care CIC,300.00,Care,5
Test Council,10/04/2023,Echo Supplies plc,400.00,Supplies,6
Test Council,11/04/2023,Foxtrot Unknown Ltd,150.00,Supplies,7
Test Council,12/04/2023,Mr J Smith,80.00,Care,8
Test Council,00:00:00,Alpha Builders Ltd,999.00,Construction,9
Test Council,13/04/2023,Beta Catering Limited,abc,Catering,10
"""


@pytest.fixture(scope="module")
def files(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sunderland")
    (folder / "suppliers.csv").write_text(REGISTER)
    (folder / "spend.csv").write_text(SPEND)
    return folder


def run_cli(shared, folder, *extra):
    cmd = [sys.executable, "-m", "dashboard", "metrics",
           "--spend", str(folder / "spend.csv"),
           "--postcodes", str(shared / "nspl" / "NSPL_NOV_2021_UK_SR.csv.gz"),
           "--imd", str(shared / "iod2019" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"),
           "--wards", str(shared / "ons" / "wards_2013_by_lad" / "E08000024.geojson.gz"),
           "--suppliers", str(folder / "suppliers.csv"), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)


def metrics(shared, folder, *extra):
    done = run_cli(shared, folder, "--format", "json", *extra)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_headline_figures_match_hand_sums(shared_data, files):
    r = metrics(shared_data, files, "--local-area", "E08000024")
    assert r["total_spend"] == 2580.50
    assert r["located_spend"] == 2430.50
    assert r["unlocated_spend"] == 150.00
    assert r["coverage"] == pytest.approx(2430.50 / 2580.50)
    assert r["deprived_spend"] == 1150.50           # Alpha 900 (after the credit) + Closed Shop
    assert r["share_most_deprived"] == pytest.approx(1150.50 / 2430.50)
    assert r["local_spend"] == 2030.50              # all located but Echo (County Durham)
    assert r["local_share"] == pytest.approx(2030.50 / 2430.50)
    assert r["sme_share"] == pytest.approx((900 + 300 + 80) / 2580.50)
    assert r["vcse_share"] == pytest.approx(300 / 2580.50)
    assert r["suppliers"] == 7 and r["transactions"] == 8
    assert r["rejected_rows"] == 2


def test_by_ward_and_by_anchor(shared_data, files):
    r = metrics(shared_data, files)
    wards = {w["ward_code"]: (w["spend"], w["suppliers"]) for w in r["by_ward"]}
    assert wards == {"E05001158": (1150.50, 2), "E05001157": (580.00, 2),
                     "E05001164": (300.00, 1)}
    assert r["by_anchor"] == [{"anchor": "Test Council", "total_spend": 2580.50,
                               "share_most_deprived": pytest.approx(1150.50 / 2430.50)}]


@pytest.mark.parametrize("x, deprived", [(10, 900.00), (20, 900.00), (30, 1150.50)])
def test_local_reference_ranks_within_sunderland(shared_data, files, x, deprived):
    r = metrics(shared_data, files, "--reference", "local", "--local-area", "E08000024",
                "--most-deprived", str(x))
    assert r["deprived_spend"] == deprived
    assert r["share_most_deprived"] == pytest.approx(deprived / 2430.50)


def test_inferred_local_area_is_the_district_with_most_located_spend(shared_data, files):
    assert metrics(shared_data, files)["local_area"] == ["E08000024"]


def test_date_filter(shared_data, files):
    r = metrics(shared_data, files, "--from", "2023-04-07", "--to", "2023-04-08")
    assert r["total_spend"] == 750.50 and r["transactions"] == 2


def test_ward_deprivation_with_population_and_lsoas(shared_data, files):
    r = metrics(shared_data, files,
                "--lsoas", str(shared_data / "ons" / "lsoa_2011_by_lad" / "E08000024.geojson.gz"),
                "--population", str(shared_data / "iod2019" /
                                    "File_6_-_IoD2019_Population_Denominators.csv.gz"))
    wards = r["wards"]
    assert len(wards) == 25
    # Every Sunderland LSOA lands in exactly one ward: the wards' populations add up to the
    # district's total population from File 6 (277,417 mid-2015, excluding prisoners).
    assert sum(w["population"] for w in wards) == sunderland_population(shared_data)
    for w in wards:
        assert 1 <= w["imd_avg_rank"] <= 32844
        assert 0 <= w["pop_share_most_deprived"] <= 1


def sunderland_population(shared) -> int:
    import csv
    import gzip

    path = shared / "iod2019" / "File_6_-_IoD2019_Population_Denominators.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8-sig") as fh:
        rows = csv.reader(fh)
        next(rows)
        return sum(int(r[4].replace(",", "")) for r in rows if r[2] == "E08000024")


def test_table_format_is_readable(shared_data, files):
    done = run_cli(shared_data, files, "--format", "table")
    assert done.returncode == 0, done.stderr
    assert "£2,580.50" in done.stdout and "Test Council" in done.stdout


@pytest.mark.parametrize("args, says", [
    (["--columns", "amount=No Such Header"], "No Such Header"),
    (["--columns", "colour=Amount"], "FIELD=HEADER"),
    (["--anchor", "Nobody"], "no such anchor"),
    (["--from", "31/12/2023"], "YYYY-MM-DD"),
])
def test_errors_go_to_stderr_with_exit_2(shared_data, files, args, says):
    done = run_cli(shared_data, files, *args)
    assert done.returncode == 2
    assert says in done.stderr and done.stdout == ""


def test_missing_file_is_exit_2(shared_data, files, tmp_path):
    done = subprocess.run([sys.executable, "-m", "dashboard", "metrics", "--spend",
                           str(tmp_path / "nope.csv"), "--postcodes", str(tmp_path / "x.csv"),
                           "--imd", str(tmp_path / "y.csv")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and "not found" in done.stderr


def test_iod2025_bridges_2011_postcode_lsoas(shared_data, files):
    """IoD2025 deciles of the same LSOAs (all unchanged 2011 -> 2021): E01008836 1, E01008703 1,
    E01008724 10, E01008766 6, County Durham E01020782 5."""
    r = metrics(shared_data, files,
                "--imd", str(shared_data / "iod2025" / "IoD2025_scores_ranks_deciles_by_LSOA21.csv.gz"),
                "--lsoa-lookup", str(shared_data / "lookups" / "LSOA11_LSOA21_LAD22_EW_LU.csv.gz"),
                "--lsoas", str(shared_data / "ons" / "lsoa_2021_ew_generalised.geojson.gz"),
                "--most-deprived", "30")
    assert r["deprived_spend"] == 1150.50
    assert r["import"]["lsoa_bridge"]["unchanged"] == 6  # six located postcodes
    assert r["import"]["suppliers"]["postcode_not_found"] == 1


def test_iod2025_without_lookup_says_what_to_give(shared_data, files):
    done = run_cli(shared_data, files, "--imd", str(
        shared_data / "iod2025" / "IoD2025_scores_ranks_deciles_by_LSOA21.csv.gz"))
    assert done.returncode == 2 and "--lsoa-lookup" in done.stderr

"""`python -m dashboard reference` on the real public files of ../shared/data (skipped without).

The shared folder holds five postcode areas of the November 2021 NSPL as gzip CSVs; the test packs
them into a zip laid out as ONS publishes it (Data/NSPL_NOV_2021_UK.csv, Data/multi_csv/ one CSV
per area, Documents/, User Guide/) in tmp_path, installs it with the IoD2019 File 1 and File 6 and
Sunderland's boundaries through the command line, then builds a data set from what the page
would find in the reference folder. IoD2025 (LSOA 2021) with that NSPL (LSOA 2011) needs the
lookup, as the command says.
"""
from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

from dashboard.cli import main
from dashboard.errors import InputError
from dashboard.ingest.io.postcodes import read_postcodes
from dashboard.ingest.pipeline import Sources, build_from_files
from dashboard.ingest.reference import LINK, ReferenceSources, install_reference
from dashboard.ingest.uploads import configured_references
from dashboard.settings import load_settings

pytestmark = pytest.mark.shared

AREAS = ["SR", "TF", "HR", "SM", "WC"]
IOD19_F1 = "iod2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
IOD19_F6 = "iod2019/File_6_-_IoD2019_Population_Denominators.csv.gz"
IOD25 = "iod2025/IoD2025_scores_ranks_deciles_by_LSOA21.csv.gz"
LU_11_21 = "lookups/LSOA11_LSOA21_LAD22_EW_LU.csv.gz"
SUNDERLAND = "E08000024"


def published_zip(shared: Path, target: Path) -> Path:
    """The shared NSPL areas packed as the ONS zip is (streamed: never whole in memory)."""
    parts = [shared / "nspl" / f"NSPL_NOV_2021_UK_{a}.csv.gz" for a in AREAS]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Documents/LA_UA names and codes UK as at 04_21.csv",
                    "LAD21CD,LAD21NM\nE08000024,Sunderland\n")
        zf.writestr("User Guide/NSPL User Guide Nov 2021.pdf", b"%PDF-1.4 stand-in")
        with zf.open("Data/NSPL_NOV_2021_UK.csv", "w", force_zip64=True) as out:
            for i, part in enumerate(parts):
                with gzip.open(part, "rb") as fh:
                    header = fh.readline()
                    if i == 0:
                        out.write(header)
                    while chunk := fh.read(1 << 20):
                        out.write(chunk)
        for part in parts:
            with gzip.open(part, "rb") as fh:
                zf.writestr(f"Data/multi_csv/{part.name[:-3]}", fh.read())
    return target


SPEND = ("Body Name,Paid Date,Supplier Name,Amount\n"
         "Sunderland City Council,05/04/2021,Alpha Ltd,1000.00\n"
         "Sunderland City Council,06/04/2021,Beta Ltd,500.00\n")
REGISTER = "Supplier Name,Postcode\nAlpha Ltd,SR1 1AB\nBeta Ltd,TF1 1AA\n"


def test_the_published_nspl_zip_and_iod_files_install_and_import(shared_data, tmp_path, capsys,
                                                                  monkeypatch):
    monkeypatch.delenv("ANCHOR_CONFIG", raising=False)
    nspl = published_zip(shared_data, tmp_path / "NSPL_NOV_2021_UK.zip")
    folder = tmp_path / "reference"
    ons = shared_data / "ons"
    code = main(["reference", "--postcodes", str(nspl),
                 "--imd", str(shared_data / IOD19_F1),
                 "--population", str(shared_data / IOD19_F6),
                 "--wards", str(ons / "wards_2013_by_lad" / f"{SUNDERLAND}.geojson.gz"),
                 "--lsoas", str(ons / "lsoa_2011_by_lad" / f"{SUNDERLAND}.geojson.gz"),
                 "--dir", str(folder)])
    out, err = capsys.readouterr()
    assert code == 0, err
    direct = read_postcodes([shared_data / "nspl" / f"NSPL_NOV_2021_UK_{a}.csv.gz"
                             for a in AREAS])
    assert f"{len(direct):,} postcodes" in out and "release NOV 2021" in out
    assert "32,844 LSOAs (LSOA 2011)" in out and "(2013)" in out
    assert "extracting NSPL_NOV_2021_UK.zip: 100%" in err

    # what the page finds, and an import from it
    settings = load_settings(env={}, reference_dir=str(folder))
    refs = configured_references(settings)
    assert refs.ready and refs.problems == ()
    assert refs.names()["postcodes"] == ["NSPL_NOV_2021_UK.csv"]
    assert set(refs.files) == {"postcodes", "imd", "population", "wards", "lsoas"}
    spend = tmp_path / "spend.csv"
    spend.write_text(SPEND)
    register = tmp_path / "register.csv"
    register.write_text(REGISTER)
    built = build_from_files(Sources(spend=[spend], postcodes=refs.files["postcodes"],
                                     imd=refs.files["imd"], population=refs.files["population"],
                                     wards=refs.files["wards"], lsoas=refs.files["lsoas"],
                                     suppliers=register, postcode_cache=folder / ".cache"))
    # the import read the cache the command warmed (a miss would have written a second one)
    assert len(list((folder / ".cache").glob("postcodes-*.parquet"))) == 1
    located = built.dataset.suppliers.set_index("name")
    assert bool(located.loc["Alpha Ltd", "located"]) and bool(located.loc["Beta Ltd", "located"])
    assert located.loc["Alpha Ltd", "ward"] is not None
    assert (folder / LINK / "postcodes" / "NSPL_NOV_2021_UK.csv").stat().st_size > 10 << 20


def test_iod2025_with_a_2011_directory_needs_the_lookup(shared_data, tmp_path):
    nspl = [shared_data / "nspl" / "NSPL_NOV_2021_UK_SR.csv.gz"]
    settings = load_settings(env={}, reference_dir=str(tmp_path / "reference"))
    with pytest.raises(InputError, match="--lsoa-lookup"):
        install_reference(ReferenceSources(postcodes=nspl, imd=shared_data / IOD25), settings)
    done = install_reference(ReferenceSources(postcodes=nspl, imd=shared_data / IOD25,
                                              lsoa_lookup=shared_data / LU_11_21), settings)
    assert done.kinds["imd"]["lsoas"] == 33_755 and done.kinds["imd"]["lsoa_vintage"] == "2021"
    assert done.kinds["lsoa_lookup"]["summary"].endswith("LSOA 2011 to LSOA 2021")
    assert configured_references(settings).ready

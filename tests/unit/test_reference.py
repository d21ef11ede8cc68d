"""`python -m dashboard reference`: the reference data installed from the files as published.

Tiny NSPL-shaped zips and IoD-shaped CSVs are built in tmp_path (the real files are in
tests/integration/test_reference_real.py). Covered: the whole-UK CSV taken from a zip as ONS lays
it out (not the per-area parts, documents or code lists), a zip of parts only, the wrong zip, an
IoD file that is not File 1, files that do not fit together, a run interrupted mid-extraction
and a killed one (the previous set stays in use), a settings pattern that does not find the
installed files (put back after the switch), files placed by hand beside the set, the progress
bar, the command's exit status, and the import panel's notice when the server has none.
"""
from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import openpyxl
import pytest
from dash import html
from shapely.geometry import box

from dashboard.cli import main
from dashboard.cli_reference import ProgressBar
from dashboard.errors import InputError
from dashboard.ingest import reference as ref
from dashboard.ingest.io.postcodes import read_postcodes
from dashboard.ingest.reference import (
    LINK,
    ReferenceSources,
    install_reference,
    installed_manifest,
    postcode_cache_dir,
)
from dashboard.ingest.uploads import (
    NO_REFERENCE_DIR,
    References,
    configured_references,
)
from dashboard.settings import load_settings
from dashboard.view.reference import reference_notice
from dashboard.web.layout.data_panel import import_block, reference_notice_block

HEADER = "pcd,pcds,dointr,doterm,laua,ward,lsoa11,msoa11,lat,long,imd\n"
ROWS = {
    "SR": ['"SR1 1AA","SR1 1AA","198001","199912","E08000024","E05001158","E01008703",'
           '"E02001803",54.908542,-1.379728,3277',
           '"SR1 1AB","SR1 1AB","198001","","E08000024","E05001158","E01008703",'
           '"E02001803",54.906972,-1.378474,3277',
           '"SR2 7XY","SR2 7XY","198001","","E08000024","E05001160","E01008750",'
           '"E02001804",54.890000,-1.370000,12000'],
    "TF": ['"TF1 1AA","TF1 1AA","198001","","E06000020","E05009999","E01028000",'
           '"E02005000",52.700000,-2.500000,30000'],
}
IMD = ("LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
       "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,"
       "Index of Multiple Deprivation (IMD) Decile\n"
       'E01008703,Sunderland 1,E08000024,Sunderland,"3,277",1\n'
       'E01008750,Sunderland 2,E08000024,Sunderland,"12,000",4\n'
       'E01028000,Telford 1,E06000020,Telford,"30,000",10\n')
POPULATION = ("LSOA code (2011),LSOA name (2011),Total population: mid 2015,"
              "Dependent Children aged 0-15: mid 2015\n"
              'E01008703,Sunderland 1,"1,500",300\n'
              'E01008750,Sunderland 2,"1,700",310\n'
              'E01028000,Telford 1,"1,600",290\n')
IMD_2021 = IMD.replace("LSOA code (2011)", "LSOA code (2021)").replace(
    "LSOA name (2011)", "LSOA name (2021)")


def nspl_zip(path: Path, *, whole: bool = True, parts: bool = True,
             release: str = "FEB_2025") -> Path:
    """A zip laid out as ONS publishes the NSPL: Data/ with the whole-UK CSV, Data/multi_csv/
    with one CSV per postcode area, Documents/ with code lists, a user guide."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Documents/LA_UA names and codes UK as at 04_21.csv",
                    "LAD21CD,LAD21NM\nE08000024,Sunderland\n")
        zf.writestr(f"User Guide/NSPL User Guide {release}.pdf", b"%PDF-1.4 not a real guide")
        if whole:
            body = "".join(r + "\n" for rows in ROWS.values() for r in rows)
            zf.writestr(f"Data/NSPL_{release}_UK.csv", HEADER + body)
        if parts:
            for area, rows in ROWS.items():
                zf.writestr(f"Data/multi_csv/NSPL_{release}_UK_{area}.csv",
                            HEADER + "".join(r + "\n" for r in rows))
    return path


@pytest.fixture()
def downloads(tmp_path) -> dict[str, Path]:
    """The files as an administrator downloads them."""
    d = tmp_path / "downloads"
    d.mkdir()
    (d / "File_1_IMD2019_Index_of_Multiple_Deprivation.csv").write_text(IMD, encoding="utf-8-sig")
    (d / "File_6_IoD2019_Population_Denominators.csv").write_text(POPULATION,
                                                                  encoding="utf-8-sig")
    nspl_zip(d / "NSPL_FEB_2025_UK.zip")
    return {"postcodes": d / "NSPL_FEB_2025_UK.zip",
            "imd": d / "File_1_IMD2019_Index_of_Multiple_Deprivation.csv",
            "population": d / "File_6_IoD2019_Population_Denominators.csv"}


@pytest.fixture()
def settings(tmp_path):
    return load_settings(env={}, reference_dir=str(tmp_path / "reference"))


def sources(files: dict[str, Path], **more) -> ReferenceSources:
    return ReferenceSources(postcodes=[files["postcodes"]], imd=files["imd"],
                            population=files.get("population"), **more)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file reachable in the folder (through the link), by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".cache" not in p.parts}


# --------------------------------------------------------------------------- installing
def test_the_zip_as_published_installs_and_the_page_finds_it(downloads, settings):
    seen: list[tuple[str, int, int]] = []
    done = install_reference(sources(downloads), settings,
                             progress=lambda what, n, total: seen.append((what, n, total)))
    folder = Path(settings.reference_dir)
    link = folder / LINK
    assert link.is_symlink() and (folder / os.readlink(link)) == done.version
    # only the whole-UK CSV: not the per-area parts, the code list or the guide
    assert sorted(p.name for p in (link / "postcodes").iterdir()) == ["NSPL_FEB_2025_UK.csv"]
    refs = configured_references(settings)
    assert refs.ready and refs.problems == ()
    assert refs.names() == {"postcodes": ["NSPL_FEB_2025_UK.csv"],
                            "imd": ["File_1_IMD2019_Index_of_Multiple_Deprivation.csv"],
                            "population": ["File_6_IoD2019_Population_Denominators.csv"]}
    directory = read_postcodes(refs.files["postcodes"])
    assert len(directory) == 4 and directory.attrs["lsoa_vintage"] == "2011"
    pc = done.kinds["postcodes"]
    assert (pc["postcodes"], pc["live"], pc["lsoas"], pc["release"]) == (4, 3, 3, "FEB 2025")
    assert pc["files"][0]["source"] == "NSPL_FEB_2025_UK.zip:Data/NSPL_FEB_2025_UK.csv"
    lines = "\n".join(done.summary_lines())
    assert "4 postcodes (3 live), 3 LSOAs (LSOA 2011), release FEB 2025" in lines
    assert "3 LSOAs (LSOA 2011), 4,800 people" in lines and "ward boundaries      none" in lines
    assert installed_manifest(folder)["kinds"]["imd"]["lsoas"] == 3
    # the Parquet cache is warm, and page imports are given its folder
    assert postcode_cache_dir(settings) == folder / ".cache"
    assert len(list((folder / ".cache").glob("postcodes-*.parquet"))) == 1
    extracting = [s for s in seen if s[0].startswith("extracting")]
    assert extracting[-1][1] == extracting[-1][2] > 0
    assert [n for _, n, _ in extracting] == sorted(n for _, n, _ in extracting)


def test_a_zip_of_per_area_parts_installs_every_part(tmp_path, downloads, settings):
    parts = nspl_zip(tmp_path / "NSPL_parts.zip", whole=False)
    install_reference(sources({**downloads, "postcodes": parts}), settings)
    refs = configured_references(settings)
    assert refs.names()["postcodes"] == ["NSPL_FEB_2025_UK_SR.csv", "NSPL_FEB_2025_UK_TF.csv"]
    assert len(read_postcodes(refs.files["postcodes"])) == 4


def test_a_plain_csv_and_a_second_install_replace_the_whole_set(tmp_path, downloads, settings):
    first = install_reference(sources(downloads), settings)
    csv = tmp_path / "ONSPD_MAY_2025_UK.csv"
    csv.write_text(HEADER + ROWS["SR"][0] + "\n")
    second = install_reference(ReferenceSources(postcodes=[csv], imd=downloads["imd"]), settings)
    assert first.version.exists()   # kept until the next install: imports under way finish
    third = install_reference(ReferenceSources(postcodes=[csv], imd=downloads["imd"]), settings)
    assert not first.version.exists() and second.version.exists() and third.version.exists()
    names = configured_references(settings).names()
    assert names == {"postcodes": ["ONSPD_MAY_2025_UK.csv"],
                     "imd": ["File_1_IMD2019_Index_of_Multiple_Deprivation.csv"]}
    # the cache of the replaced directory is gone, the new one is there
    assert len(list((Path(settings.reference_dir) / ".cache").glob("*.parquet"))) == 1


def test_ward_boundaries_as_a_zipped_shapefile_install_as_given(tmp_path, downloads, settings):
    wards = gpd.GeoDataFrame({"WD24CD": ["E05001158", "E05001160"],
                              "WD24NM": ["Hendon", "Millfield"]},
                             geometry=[box(-1.39, 54.90, -1.37, 54.91),
                                       box(-1.38, 54.88, -1.36, 54.90)], crs="EPSG:4326")
    shp = tmp_path / "shp"
    shp.mkdir()
    wards.to_file(shp / "WD_MAY_2024_UK_BGC.shp")
    zipped = tmp_path / "Wards_May_2024_Boundaries_UK_BGC.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for part in shp.iterdir():
            zf.write(part, part.name)
    done = install_reference(sources(downloads, wards=zipped), settings)
    assert done.kinds["wards"]["summary"] == "2 wards (2024)"
    assert configured_references(settings).names()["wards"] == [zipped.name]
    assert not any("no ward boundaries" in n for n in done.notes)


# --------------------------------------------------------------------------- wrong files
def test_the_wrong_zip_says_what_to_download_and_changes_nothing(tmp_path, downloads, settings):
    wrong = tmp_path / "boundaries.zip"
    with zipfile.ZipFile(wrong, "w") as zf:
        zf.writestr("Wards_December_2024.csv", "WD24CD,WD24NM\nE05001158,Hendon\n")
        zf.writestr("readme.txt", "boundaries")
    with pytest.raises(InputError) as err:
        install_reference(sources({**downloads, "postcodes": wrong}), settings)
    text = str(err.value)
    assert "this zip holds no NSPL/ONSPD data CSV" in text
    assert "Download the NSPL zip" in text and "geoportal.statistics.gov.uk" in text
    assert "Wards_December_2024.csv" in text and "Nothing was changed" in text
    folder = Path(settings.reference_dir)
    assert not (folder / LINK).exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".ref.")]


def test_a_zip_cut_short_is_refused_as_such(tmp_path, downloads, settings):
    whole = downloads["postcodes"].read_bytes()
    cut = tmp_path / "NSPL_FEB_2025_UK.zip"
    cut.write_bytes(whole[:len(whole) // 2])
    with pytest.raises(InputError, match="incomplete or damaged zip .* download it again"):
        install_reference(sources({**downloads, "postcodes": cut}), settings)
    assert not (Path(settings.reference_dir) / LINK).exists()


def test_file_1_as_an_xlsx_workbook_installs(tmp_path, settings):
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["English Indices of Deprivation 2025: File 1"])
    sheet = book.create_sheet("IMD25")
    for cells in csv.reader(IMD_2021.splitlines()):   # ranks as numbers, as MHCLG's workbook
        sheet.append([int(c.replace(",", "")) if c.replace(",", "").isdigit() else c
                      for c in cells])
    xlsx = tmp_path / "File_1_IoD2025_Index_of_Multiple_Deprivation.xlsx"
    book.save(xlsx)
    csv21 = tmp_path / "NSPL21_FEB_2025_UK.csv"
    csv21.write_text(HEADER.replace("lsoa11", "lsoa21") + "".join(r + "\n" for r in ROWS["SR"]))
    done = install_reference(ReferenceSources(postcodes=[csv21], imd=xlsx), settings)
    assert done.kinds["imd"]["summary"] == "3 LSOAs (LSOA 2021)"
    assert configured_references(settings).names()["imd"] == [xlsx.name]


def test_an_iod_file_that_is_not_file_1_is_refused_and_the_old_set_stays(downloads, settings):
    install_reference(sources(downloads), settings)
    folder = Path(settings.reference_dir)
    before, target = snapshot(folder), os.readlink(folder / LINK)
    seen: list[str] = []
    with pytest.raises(InputError) as err:   # File 6 given as File 1
        install_reference(sources({**downloads, "imd": downloads["population"]}), settings,
                          progress=lambda what, n, total: seen.append(what))
    assert not [w for w in seen if w.startswith("extracting")]   # found before the big file
    text = str(err.value)
    assert text.startswith("--imd File_6_IoD2019_Population_Denominators.csv:")
    assert "IMD rank and decile" in text and "Give File 1" in text
    assert "Nothing was changed" in text
    assert os.readlink(folder / LINK) == target and snapshot(folder) == before


def test_a_directory_on_other_lsoas_than_the_index_needs_the_lookup(tmp_path, downloads,
                                                                    settings):
    imd21 = tmp_path / "File_1_IoD2025.csv"
    imd21.write_text(IMD_2021)
    seen: list[str] = []
    with pytest.raises(InputError, match=r"--lsoa-lookup with the LSOA 2011 to 2021 lookup"):
        install_reference(ReferenceSources(postcodes=[downloads["postcodes"]], imd=imd21),
                          settings, progress=lambda what, n, total: seen.append(what))
    assert not [w for w in seen if w.startswith("extracting")]
    lookup = tmp_path / "LSOA11_LSOA21_LAD22_EW_LU.csv"
    lookup.write_text("LSOA11CD,LSOA21CD,CHGIND\nE01008703,E01008703,U\n"
                      "E01008750,E01008750,U\nE01028000,E01028000,U\n")
    done = install_reference(ReferenceSources(postcodes=[downloads["postcodes"]], imd=imd21,
                                              lsoa_lookup=lookup), settings)
    assert done.kinds["lsoa_lookup"]["summary"] == "3 rows, LSOA 2011 to LSOA 2021"
    assert configured_references(settings).names()["lsoa_lookup"] == [lookup.name]
    assert any("no LSOA 2021 boundaries" in n for n in done.notes)


def test_a_population_file_of_another_release_is_refused(tmp_path, downloads, settings):
    imd21 = tmp_path / "File_1_IoD2025.csv"
    imd21.write_text(IMD_2021)
    csv = tmp_path / "NSPL21.csv"
    csv.write_text(HEADER.replace("lsoa11", "lsoa21") + ROWS["SR"][0] + "\n")
    with pytest.raises(InputError, match="give File 6 of the same release as File 1"):
        install_reference(ReferenceSources(postcodes=[csv], imd=imd21,
                                           population=downloads["population"]), settings)


# --------------------------------------------------------------------------- atomic
def test_an_interrupted_extraction_leaves_the_old_set_in_use(tmp_path, downloads, settings):
    install_reference(sources(downloads), settings)
    folder = Path(settings.reference_dir)
    before, target = snapshot(folder), os.readlink(folder / LINK)
    caches = sorted((folder / ".cache").iterdir())
    newer = nspl_zip(tmp_path / "NSPL_MAY_2025_UK.zip", release="MAY_2025")

    def interrupt(what: str, done: int, total: int) -> None:
        if what.startswith("extracting") and done > 0:
            raise KeyboardInterrupt   # Ctrl-C (or a full disk) half way through the CSV

    with pytest.raises(KeyboardInterrupt):
        install_reference(sources({**downloads, "postcodes": newer}), settings,
                          progress=interrupt)
    assert os.readlink(folder / LINK) == target and snapshot(folder) == before
    assert [p.name for p in folder.iterdir() if p.name.startswith(".ref.")] == [target]
    assert sorted((folder / ".cache").iterdir()) == caches
    assert configured_references(settings).names()["postcodes"] == ["NSPL_FEB_2025_UK.csv"]


def test_a_killed_run_is_invisible_to_the_page_and_cleared_by_the_next(tmp_path, downloads,
                                                                       settings):
    install_reference(sources(downloads), settings)
    folder = Path(settings.reference_dir)
    dead = folder / ".ref.20260101T000000000000-99999" / "postcodes"   # killed before the switch
    dead.mkdir(parents=True)
    (dead / "NSPL_HALF.csv").write_text(HEADER + ROWS["SR"][0][:20])
    assert configured_references(settings).names()["postcodes"] == ["NSPL_FEB_2025_UK.csv"]
    install_reference(sources(downloads), settings)
    assert not dead.parent.exists()


def test_a_setting_that_misses_the_installed_files_puts_the_old_set_back(downloads, settings):
    install_reference(sources(downloads), settings)
    folder = Path(settings.reference_dir)
    before, target = snapshot(folder), os.readlink(folder / LINK)
    custom = load_settings(env={}, reference_dir=str(folder), reference_imd="iod/*.xlsx")
    with pytest.raises(InputError) as err:
        install_reference(sources(downloads), custom)
    assert "reference_imd is 'iod/*.xlsx'" in str(err.value)
    assert "'**/File_1* current/imd/*'" in str(err.value) and "put back" in str(err.value)
    assert os.readlink(folder / LINK) == target and snapshot(folder) == before


def test_files_placed_by_hand_beside_the_set_are_refused_first(downloads, settings):
    folder = Path(settings.reference_dir)
    (folder / "iod").mkdir(parents=True)
    (folder / "iod" / "File_1_old.csv").write_text(IMD)
    with pytest.raises(InputError) as err:
        install_reference(sources(downloads), settings)
    assert "File_1_old.csv (reference_imd)" in str(err.value)
    assert "move them out of the reference folder" in str(err.value)
    assert not (folder / LINK).exists()


def test_a_folder_named_current_is_not_replaced(downloads, settings):
    folder = Path(settings.reference_dir)
    (folder / LINK).mkdir(parents=True)
    with pytest.raises(InputError, match="is a folder this command did not make"):
        install_reference(sources(downloads), settings)
    assert (folder / LINK).is_dir() and not (folder / LINK).is_symlink()


# --------------------------------------------------------------------------- the command
def test_the_command_installs_with_a_progress_bar_and_exits_2_on_errors(tmp_path, downloads,
                                                                        capsys, monkeypatch):
    for var in ("ANCHOR_CONFIG", "ANCHOR_REFERENCE_IMD", "ANCHOR_REFERENCE_POSTCODES"):
        monkeypatch.delenv(var, raising=False)
    folder = tmp_path / "srv-reference"
    argv = ["reference", "--postcodes", str(downloads["postcodes"]), "--imd",
            str(downloads["imd"]), "--dir", str(folder)]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert f"installed in {folder}" in out and "4 postcodes (3 live)" in out
    assert "extracting NSPL_FEB_2025_UK.zip: 100%" in err
    assert (folder / LINK / "postcodes" / "NSPL_FEB_2025_UK.csv").is_file()
    monkeypatch.setenv("ANCHOR_REFERENCE_DIR", str(folder))   # the default --dir
    assert main(["reference", "--postcodes", str(downloads["postcodes"]),
                 "--imd", str(downloads["population"])]) == 2
    out, err = capsys.readouterr()
    assert err.splitlines()[-1].startswith("error: --imd File_6_") and out == ""
    assert (folder / LINK / "imd" / downloads["imd"].name).is_file()     # the set in use stays


def test_the_progress_bar_draws_in_place_on_a_terminal_and_by_tenths_in_a_log():
    log = io.StringIO()
    bar = ProgressBar(log)
    for n in range(0, 101):
        bar("extracting x.zip", n * 2**20, 100 * 2**20)
    bar("reading postcode directory", 0, 0)
    lines = log.getvalue().splitlines()
    assert lines[0] == "extracting x.zip: 0% (0 KB of 100 MB)"
    assert lines[-2] == "extracting x.zip: 100% (100 MB of 100 MB)"
    assert len(lines) == 12 and lines[-1] == "reading postcode directory ..."

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    bar = ProgressBar(tty, interval_s=0)
    for n in (0, 50, 100):
        bar("extracting x.zip", n, 100)
    bar.finish()
    drawn = tty.getvalue()
    assert drawn.count("\r") == 3 and drawn.endswith("100% 0 KB of 0 KB\n")
    assert "[" + "#" * 15 + "." * 15 + "]  50%" in drawn


# --------------------------------------------------------------------------- the page
def test_the_import_panel_says_what_the_administrator_must_run():
    none = References({}, "settings", (NO_REFERENCE_DIR,))
    notice = reference_notice(none)
    assert notice is not None
    assert notice.command.startswith("python -m dashboard reference --postcodes ")
    assert "--imd File_1_" in notice.command
    assert notice.missing.startswith("New imports cannot run on this server yet: it is "
                                     "missing a postcode directory (to find where each "
                                     "supplier is) and the deprivation index (to say how "
                                     "deprived that place is).")
    assert "Ask whoever runs the server" in notice.ask and "restarting" in notice.ask
    assert "NSPL" in notice.sources and "File 1" in notice.sources
    assert notice.details == (NO_REFERENCE_DIR,) and "python -m dashboard reference" in \
        NO_REFERENCE_DIR
    only_imd = reference_notice(References({"postcodes": [Path("NSPL.csv")]}, "settings",
                                           ("no imd file matches reference_imd in the "
                                            "reference folder",)))
    assert "deprivation index" in only_imd.missing and "postcode" not in only_imd.missing
    ready = References({"postcodes": [Path("NSPL.csv")], "imd": Path("File_1.csv")}, "settings")
    assert reference_notice(ready) is None
    block = reference_notice_block(notice)
    assert block.role == "note"
    codes = [c for c in block.children if isinstance(c, html.Pre)]
    assert codes[0].children.children == notice.command
    assert reference_notice_block(None) is None


def test_the_import_panel_opens_with_the_notice_before_the_upload_step(tmp_path, downloads):
    settings = load_settings(env={}, reference_dir=str(tmp_path / "reference"),
                             networks_dir=str(tmp_path / "networks"))
    ctx = SimpleNamespace(settings=settings, ds=SimpleNamespace(meta={}, name="demo"))
    children = import_block(ctx).children
    kinds = [getattr(c, "className", None) for c in children]
    assert kinds.index("reference-notice") < kinds.index("steps")
    assert "python -m dashboard reference" in str(children[kinds.index("reference-notice")])
    install_reference(sources(downloads), settings)
    assert "reference-notice" not in [getattr(c, "className", None)
                                      for c in import_block(ctx).children]


def test_the_notice_clears_once_the_command_has_run(downloads, settings):
    assert reference_notice(configured_references(settings)) is not None
    install_reference(sources(downloads), settings, warm_cache=False)
    assert reference_notice(configured_references(settings)) is None
    assert postcode_cache_dir(settings) is None     # --no-cache: page imports parse the CSV


def test_the_manifest_records_sources_sizes_and_checksums(downloads, settings):
    done = install_reference(sources(downloads), settings)
    record = json.loads((done.version / ref.MANIFEST).read_text())
    entry = record["kinds"]["imd"]["files"][0]
    assert entry["name"] == downloads["imd"].name
    assert entry["size"] == downloads["imd"].stat().st_size and len(entry["sha256"]) == 64

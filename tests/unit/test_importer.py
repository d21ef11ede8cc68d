"""Importing a network's files into a named data set: names, manifest, atomic switch, duplicates,
adding files, and the register of suppliers still to locate.

The tiny source files (written by `write_sources`) use the NSPL fixture's postcodes:
SR1 1AB (LSOA E01008703, IMD decile 1), SR2 7XY (E01008750, decile 4); ZZ9 9ZZ is in no directory.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
from pathlib import Path

import pandas as pd
import pytest

from dashboard.engine import metrics as m
from dashboard.errors import InputError
from dashboard.ingest import importer as im
from dashboard.ingest import versions
from dashboard.ingest.anchors import read_anchor_table
from dashboard.ingest.catalog import (
    dataset_version,
    list_datasets,
    open_dataset,
    read_manifest,
    validate_name,
)
from dashboard.ingest.hashing import file_sha256
from dashboard.ingest.io.suppliers import read_suppliers
from dashboard.ingest.pipeline import Sources, build_from_files
from dashboard.ingest.provenance import rejected_reasons
from dashboard.ingest.store import save_dataset
from dashboard.ingest.unlocated import looks_like_person, unlocated_register
from dashboard.output.register import register_csv_bytes
from tests.conftest import ROOT

NSPL = ROOT / "tests" / "fixtures" / "geo" / "nspl_sample.csv"
IMD = (
    "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
    "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,"
    "Index of Multiple Deprivation (IMD) Decile\n"
    'E01008703,Sunderland 1,E08000024,Sunderland,"3,277",1\n'
    'E01008750,Sunderland 2,E08000024,Sunderland,"12,000",4\n'
    'E01028000,Telford 1,E06000020,Telford,"30,000",10\n'
)
SPEND = (
    "Body Name,Paid Date,Supplier ID,Supplier Name,Amount,Expenditure Category,Trans No\n"
    'Test Council,05/04/2023,S1,Alpha Ltd,"1,000.00",Works,T1\n'
    "Test Council,06/04/2023,S2,Beta Ltd,500.00,Care,T2\n"
    "Test Council,07/04/2023,S3,=cmd|' /C calc'!A0,250.00,Care,T3\n"
    "Test Council,08/04/2023,S4,<script>alert(1)</script> Ltd,100.00,Care,T4\n"
    "Test Council,09/04/2023,S5,Mrs Jane Smith,80.00,Care,T5\n"
    "Test Council,10/04/2023,S6,Redacted personal data,60.00,Care,T6\n"
    "Test Council,11/04/2023,S7,Gamma Ltd,-40.00,Care,T7\n"
    "Test Council,00:00:00,S1,Alpha Ltd,10.00,Works,T8\n"
    "Test Council,12/04/2023,S2,Beta Ltd,abc,Care,T9\n"
)
SPEND_2 = (
    "Body Name,Paid Date,Supplier ID,Supplier Name,Amount,Expenditure Category,Trans No\n"
    "Test Council,05/05/2024,S1,Alpha Ltd,300.00,Works,U1\n"
    "Test Council,06/05/2024,S8,Delta Ltd,70.00,Care,U2\n"
)
REGISTER = (
    "Supplier Name,Postcode,SME,VCSE,Individual\n"
    "Alpha Ltd,SR1 1AB,yes,no,no\n"
    "Beta Ltd,SR2 7XY,no,yes,no\n"
    "<script>alert(1)</script> Ltd,SR1 1AB,,,\n"
    "Mrs Jane Smith,SR2 7XY,,,yes\n"
    "Delta Ltd,ZZ9 9ZZ,yes,,\n"
)


def write_sources(folder: Path, *, register: str = REGISTER) -> Sources:
    """The tiny network's files in `folder`, as Sources."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spend.csv").write_text(SPEND)
    (folder / "spend2.csv").write_text(SPEND_2)
    (folder / "imd.csv").write_text(IMD, encoding="utf-8-sig")
    (folder / "register.csv").write_text(register)
    return Sources(spend=[folder / "spend.csv"], postcodes=[NSPL], imd=folder / "imd.csv",
                   suppliers=folder / "register.csv")


@pytest.fixture()
def files(tmp_path) -> Sources:
    return write_sources(tmp_path / "in")


@pytest.fixture()
def root(tmp_path) -> Path:
    return tmp_path / "networks"


def headline(root: Path, name: str) -> dict:
    return m.summarise(open_dataset(name, root)).headline


# --------------------------------------------------------------------------- names
@pytest.mark.parametrize("name", ["oxford", "Oxford-2024", "net_1", "a" * 64])
def test_good_names_are_accepted(name):
    assert validate_name(name) == name


@pytest.mark.parametrize("name", ["../x", "..", "a/b", "a\\b", ".hidden", "", "a b", "a" * 65,
                                  "café", "x\n", None])
def test_bad_names_are_input_errors(name, files, root):
    with pytest.raises(InputError, match="letters, digits"):
        validate_name(name)
    if isinstance(name, str):
        with pytest.raises(InputError):
            im.import_dataset(name, files, root=root)
    assert not (root.parent / "x").exists()


# --------------------------------------------------------------------------- the import
def test_import_records_sources_report_vintages_and_unlocated(files, root):
    path = im.import_dataset("tiny", files, root=root, title="Tiny network")
    assert path == root / "tiny" and path.is_symlink()
    meta = read_manifest(path)["meta"]
    [spend] = meta["sources"]["spend"]
    raw = SPEND.encode()
    assert spend["sha256"] == hashlib.sha256(raw).hexdigest() and spend["size"] == len(raw)
    assert (spend["rows_read"], spend["rows_accepted"], spend["rows_rejected"]) == (9, 7, 2)
    assert meta["sources"]["reference"]["imd"]["sha256"] == hashlib.sha256(
        (files.imd).read_bytes()).hexdigest()
    assert meta["sources"]["reference"]["postcodes"][0]["path"] == str(NSPL.resolve())
    assert meta["vintages"]["imd_lsoa_vintage"] == "2011"
    assert meta["vintages"]["index"] == "Indices of Deprivation 2019"
    assert meta["imported"][:4].isdigit() and meta["title"] == "Tiny network"
    report = meta["import"]
    assert report["rows_read"] == 9 and report["rows_accepted"] == 7
    assert sum(r["rows"] for r in report["rejected_reasons"]) == 2
    assert report["suppliers"]["located"] == 4     # Alpha, Beta, <script> Ltd, Mrs Jane Smith
    unlocated = [u["name"] for u in meta["unlocated"]]
    assert unlocated == ["=cmd|' /C calc'!A0", "Gamma Ltd"]   # biggest spend first
    assert meta["counts"]["transactions"] == 7
    assert "Test Council" in meta["attribution"]


def test_saved_figures_equal_the_pipeline_figures(files, root):
    im.import_dataset("tiny", files, root=root)
    expected = m.summarise(build_from_files(files).dataset).headline
    assert headline(root, "tiny") == expected
    assert expected["total_spend"] == 100000 + 50000 + 25000 + 10000 + 8000 + 6000 - 4000


def test_raw_spend_files_are_kept_gzip_compressed(files, root):
    path = im.import_dataset("tiny", files, root=root)
    kept = path / read_manifest(path)["meta"]["sources"]["spend"][0]["kept"]
    assert gzip.decompress(kept.read_bytes()) == SPEND.encode()
    assert gzip.decompress((path / "sources" / "suppliers.gz").read_bytes()) == REGISTER.encode()


def test_list_datasets_ignores_hidden_and_unsaved_folders(files, root):
    im.import_dataset("tiny", files, root=root, title="Tiny network")
    (root / "junk").mkdir()
    found = list_datasets(root)
    assert [(d["name"], d["title"], d["transactions"]) for d in found] == [
        ("tiny", "Tiny network", 7)]
    assert found[0]["saved"] and found[0]["years"] == [2023]
    assert list_datasets(root / "absent") == []


def test_open_dataset_points_at_the_version_folder(files, root):
    im.import_dataset("tiny", files, root=root)
    ds = open_dataset("tiny", root)
    assert Path(ds.meta["folder"]) == (root / "tiny").resolve()
    assert Path(ds.meta["folder"]).name.startswith(".tiny.v")
    with pytest.raises(InputError, match="no data set named"):
        open_dataset("other", root)


def test_version_id_changes_with_each_import_and_old_versions_are_pruned(files, root):
    versions = []
    for _ in range(4):
        im.import_dataset("tiny", files, root=root)
        versions.append(dataset_version("tiny", root))
    assert len(set(versions)) == 4
    left = sorted(p.name for p in root.glob(".tiny.v*"))
    assert left == sorted(versions[-2:])      # the current one and the one before it


def test_a_plain_folder_saved_by_the_store_is_adopted(files, root):
    save_dataset(build_from_files(files).dataset, root / "tiny")
    im.import_dataset("tiny", files, root=root)
    assert (root / "tiny").is_symlink() and headline(root, "tiny")["transactions"] == 7


def test_anchor_table_gives_types_home_areas_and_sites(files, root, tmp_path):
    table = tmp_path / "anchors.csv"
    table.write_text("Name,Type,Home Area,Site Postcode\nTest Council,council,"
                     "E08000024; E06000020,sr1 1ab\n")
    anchors = read_anchor_table(table)
    assert anchors.loc[0, "home_area"] == ("E08000024", "E06000020")
    files.anchors = anchors
    im.import_dataset("tiny", files, root=root)
    ds = open_dataset("tiny", root)
    assert tuple(ds.anchors.loc[0, "home_area"]) == ("E08000024", "E06000020")
    assert ds.anchors.loc[0, "site_postcode"] == "SR1 1AB"


def test_anchor_table_without_a_name_column_is_refused(tmp_path):
    bad = tmp_path / "a.csv"
    bad.write_text("Anchor,Type\nX,council\n")
    with pytest.raises(InputError, match="'name' column"):
        read_anchor_table(bad)


# --------------------------------------------------------------------------- atomicity
def _link_and_figures(root: Path) -> tuple[str, dict]:
    return os.readlink(root / "tiny"), headline(root, "tiny")


@pytest.mark.parametrize("stage", ["build", "save", "keep", "switch"])
def test_a_failed_import_leaves_the_previous_dataset_exactly_as_it_was(files, root, monkeypatch,
                                                                        stage):
    im.import_dataset("tiny", files, root=root)
    before = _link_and_figures(root)
    folder_files = sorted(p.name for p in (root / "tiny").rglob("*"))

    def boom(*args, **kwargs):
        raise OSError(f"disk full during {stage}")

    module, target = {"build": (im, "build_from_files"), "save": (im, "with_meta"),
                      "keep": (versions, "keep_copy"), "switch": (versions, "fsync_dir")}[stage]
    monkeypatch.setattr(module, target, boom)
    files.spend = [files.spend[0], files.spend[0].with_name("spend2.csv")]
    with pytest.raises(OSError, match="disk full"):
        im.import_dataset("tiny", files, root=root)
    assert _link_and_figures(root) == before
    assert sorted(p.name for p in (root / "tiny").rglob("*")) == folder_files
    assert not (root / ".tiny.import").exists()    # the staging folder is cleaned up
    monkeypatch.undo()
    im.import_dataset("tiny", files, root=root)     # and the next import works
    assert headline(root, "tiny")["transactions"] == 9
    assert len(list(root.glob(".tiny.v*"))) == 2


def test_an_import_already_running_is_refused(files, root, monkeypatch):
    monkeypatch.setattr(versions, "LOCK_WAIT_S", 0.1)
    root.mkdir(parents=True)
    with versions.lock(root, "tiny"):
        with pytest.raises(InputError, match="already running"):
            im.import_dataset("tiny", files, root=root)


def test_staging_left_by_a_killed_import_is_cleaned_by_the_next(files, root):
    (root / ".tiny.import" / "vjunk").mkdir(parents=True)
    im.import_dataset("tiny", files, root=root)
    assert not (root / ".tiny.import").exists()


# --------------------------------------------------------------------------- adding files
def test_adding_a_members_file_never_reapplies_the_new_anchor_name_to_files_already_in(
        files, root):
    """A network imports one member's file with --anchor-name, then adds another member's: each
    file keeps the settings it was imported with."""
    first = Sources(spend=files.spend, postcodes=files.postcodes, imd=files.imd,
                    anchor_name="Test Council")
    im.import_dataset("tiny", first, root=root)
    trust = files.spend[0].with_name("trust.csv")
    trust.write_text(SPEND_2.replace("Body Name,", "Cost Centre,").replace("Test Council,", "X,"))
    more = Sources(spend=[trust], postcodes=[], imd=None, anchor_name="City Hospitals Trust")
    im.import_dataset("tiny", more, root=root, add_to=True)
    ds = open_dataset("tiny", root)
    by_anchor = m.summarise(ds).headline["transactions"], sorted(ds.anchors["name"])
    assert by_anchor == (9, ["City Hospitals Trust", "Test Council"])
    kept = read_manifest(root / "tiny")["meta"]["sources"]["spend"]
    assert [f["options"]["anchor_name"] for f in kept] == ["Test Council", "City Hospitals Trust"]


def test_adding_files_reuses_kept_spend_reference_files_and_register(files, root):
    im.import_dataset("tiny", files, root=root)
    more = Sources(spend=[files.spend[0].with_name("spend2.csv")], postcodes=[], imd=None)
    im.import_dataset("tiny", more, root=root, add_to=True)
    meta = read_manifest(root / "tiny")["meta"]
    assert [f["name"] for f in meta["sources"]["spend"]] == ["spend.csv", "spend2.csv"]
    h = headline(root, "tiny")
    assert h["transactions"] == 9
    assert h["total_spend"] == 195000 + 30000 + 7000
    # the kept register still locates Alpha; Delta's register postcode is not in the directory
    assert "Delta Ltd" in [u["name"] for u in meta["unlocated"]]
    delta = next(u for u in meta["unlocated"] if u["name"] == "Delta Ltd")
    assert "ZZ9 9ZZ" in delta["reason"] and delta["sme"] == "yes"


def test_a_file_already_in_the_dataset_is_refused_with_a_clear_message(files, root, tmp_path):
    im.import_dataset("tiny", files, root=root)
    before = _link_and_figures(root)
    same = Sources(spend=[files.spend[0]], postcodes=[], imd=None)
    with pytest.raises(InputError, match="nothing new.*spend.csv is already in it"):
        im.import_dataset("tiny", same, root=root, add_to=True)
    renamed_gz = tmp_path / "renamed.csv.gz"     # same content under another name, compressed
    renamed_gz.write_bytes(gzip.compress(SPEND.encode()))
    with pytest.raises(InputError, match="renamed.csv.gz"):
        im.import_dataset("tiny", Sources(spend=[renamed_gz], postcodes=[], imd=None),
                          root=root, add_to=True)
    assert _link_and_figures(root) == before


def test_duplicates_among_new_files_are_refused_and_the_rest_imported(files, root):
    im.import_dataset("tiny", files, root=root)
    spend2 = files.spend[0].with_name("spend2.csv")
    upload = ("upload-copy.csv", SPEND.encode())
    im.import_dataset("tiny", Sources(spend=[upload, spend2, ("again.csv", SPEND_2.encode())],
                                      postcodes=[], imd=None), root=root, add_to=True)
    refused = read_manifest(root / "tiny")["meta"]["import"]["duplicates_refused"]
    assert [(r["name"], r["same_as"]) for r in refused] == [
        ("upload-copy.csv", "spend.csv"), ("again.csv", "spend2.csv")]
    assert "already in data set 'tiny'" in refused[0]["message"]
    assert "given twice" in refused[1]["message"]
    assert headline(root, "tiny")["transactions"] == 9


def test_adding_to_a_dataset_that_does_not_exist_is_an_input_error(files, root):
    with pytest.raises(InputError, match="no data set 'tiny' to add"):
        im.import_dataset("tiny", files, root=root, add_to=True)


def test_a_fresh_import_needs_the_reference_files(files, root):
    files.imd = None
    with pytest.raises(InputError, match="--imd"):
        im.import_dataset("tiny", files, root=root)


# --------------------------------------------------------------------------- unlocated register
def test_unlocated_register_round_trips_through_the_register_reader(files, root):
    path = im.import_dataset("tiny", files, root=root)
    frame = unlocated_register(path)
    assert list(frame.columns[:6]) == ["Supplier Name", "Supplier ID", "Postcode", "SME", "VCSE",
                                       "Individual"]
    assert list(frame["Supplier ID"]) == ["S3", "S7"]
    assert (frame["Postcode"] == "").all()
    data = register_csv_bytes(frame)
    assert b"'=cmd" in data                       # neutralised for spreadsheets
    back = read_suppliers(("register.csv", data))
    assert sorted(back["supplier_id"]) == ["S3", "S7"]
    assert back["postcode"].isna().all()


def test_individuals_are_never_in_the_unlocated_register(files, root):
    register = REGISTER.replace("Mrs Jane Smith,SR2 7XY,,,yes", "Mrs Jane Smith,,,,")
    src = write_sources(root.parent / "in2", register=register)
    path = im.import_dataset("tiny", src, root=root)
    text = register_csv_bytes(unlocated_register(path)).decode("utf-8-sig")
    assert "Jane Smith" not in text and "Redacted" not in text
    built = build_from_files(src)
    assert "Jane Smith" not in unlocated_register(built)["Supplier Name"].to_list()
    assert looks_like_person("MR Y ALI") and looks_like_person("Dr. A Jones")
    assert not looks_like_person("MRSA Screening Ltd")


def _filled(path: Path, tmp_path: Path, flags: bool = False) -> Path:
    """The unlocated register of `path` with postcodes (and flags) filled in, as a user would."""
    frame = unlocated_register(path)
    frame.loc[frame["Supplier Name"] == "Gamma Ltd", "Postcode"] = "sr2 7xy"
    frame.loc[frame["Supplier ID"] == "S3", "Postcode"] = "SR1 1AB"
    if flags:
        frame[["SME", "VCSE", "Individual"]] = ["yes", "no", "no"]
    register = tmp_path / "filled.csv"
    register.write_bytes(register_csv_bytes(frame))
    return register


def test_a_filled_in_register_locates_the_suppliers_on_reimport(files, root, tmp_path):
    path = im.import_dataset("tiny", files, root=root)
    filled = read_suppliers(_filled(path, tmp_path, flags=True))
    original = read_suppliers(files.suppliers)
    register = tmp_path / "both.csv"
    pd.concat([original, filled]).rename(columns={
        "supplier_id": "Supplier ID", "name": "Supplier Name", "postcode": "Postcode",
        "sme": "SME", "vcse": "VCSE", "individual": "Individual"}).to_csv(register, index=False)
    files.suppliers = register
    im.import_dataset("tiny", files, root=root)
    meta = read_manifest(root / "tiny")["meta"]
    assert meta["unlocated"] == []
    h = headline(root, "tiny")
    assert h["located_spend"] == h["total_spend"] - 6000   # all but the redacted payee


def test_rejected_reasons_group_rows_whatever_the_cell_held():
    rejected = pd.DataFrame({"source_file": ["a.csv", "a.csv", "b.csv"], "line": [2, 5, 3],
                             "reason": ["no date (the cell holds '00:00:00')",
                                        "no date (the cell holds '24:00')", "bad amount 'x'"]})
    assert rejected_reasons(rejected) == [
        {"reason": "no date (the cell holds '…')", "rows": 2, "example": "a.csv line 2"},
        {"reason": "bad amount '…'", "rows": 1, "example": "b.csv line 3"}]


def test_file_checksum_is_of_the_content_for_paths_uploads_and_gzip(tmp_path):
    plain = tmp_path / "a.csv"
    plain.write_bytes(b"x,y\n1,2\n")
    packed = tmp_path / "a.csv.gz"
    packed.write_bytes(gzip.compress(b"x,y\n1,2\n"))
    digest = hashlib.sha256(b"x,y\n1,2\n").hexdigest()
    assert file_sha256(plain) == (digest, 8)
    assert file_sha256(packed)[0] == digest
    assert file_sha256(("u.csv", io.BytesIO(b"x,y\n1,2\n").getvalue()))[0] == digest


def test_a_register_whose_flags_are_all_blank_imports(files, root, tmp_path):
    path = im.import_dataset("tiny", files, root=root)
    files.suppliers = _filled(path, tmp_path)      # SME, VCSE, Individual all blank
    im.import_dataset("tiny", files, root=root)
    assert read_manifest(root / "tiny")["meta"]["import"]["suppliers"]["located"] == 2


def test_supplier_ids_from_the_pipeline_details_equal_those_of_a_second_read(files, root,
                                                                            monkeypatch):
    im.import_dataset("tiny", files, root=root)
    reread = read_manifest(root / "tiny")["meta"]["unlocated"]
    from dashboard.ingest.io.spend import read_spend

    def with_ids(src, **kwargs):
        built = build_from_files(src, **kwargs)
        spend = read_spend(src.spend).transactions
        built.details = built.details.assign(supplier_id=spend["supplier_id"].to_numpy(object))
        return built

    monkeypatch.setattr(im, "build_from_files", with_ids)
    im.import_dataset("tiny", files, root=root)
    assert read_manifest(root / "tiny")["meta"]["unlocated"] == reread
    assert [u["supplier_id"] for u in reread] == ["S3", "S7"]


# --------------------------------------------------------------------------- command line
def test_command_line_import_add_list_export_and_report(files, root, tmp_path, capsys):
    from dashboard.cli import main

    anchors = tmp_path / "anchors.csv"
    anchors.write_text("name,type,home_area,site_postcode\nTest Council,council,E08000024,\n")
    folder = files.spend[0].parent
    assert main(["import", "tiny", "--root", str(root), "--spend", str(files.spend[0]),
                 "--postcodes", str(NSPL), "--imd", str(files.imd), "--suppliers",
                 str(files.suppliers), "--anchors", str(anchors), "--title", "Tiny"]) == 0
    out, err = capsys.readouterr()
    assert f"{'spend.csv':<48}{9:>9,}{7:>10,}{2:>10,}" in out
    assert "Suppliers: 7; located 4;" in out and "2 suppliers to locate" in out
    assert "[100%] done" in err
    assert main(["import", "tiny", "--root", str(root), "--add",
                 "--spend", str(folder / "spend2.csv"), str(files.spend[0])]) == 0
    out, _ = capsys.readouterr()
    assert "Refused: spend.csv was not imported: it has the same content as spend.csv" in out
    assert main(["datasets", "--root", str(root)]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("tiny") and "9 transactions" in out and "2023/24, 2024/25" in out
    xlsx = tmp_path / "s.xlsx"
    assert main(["export", "tiny", "--root", str(root), "--what", "suppliers", "--format",
                 "xlsx", "--year", "2024/25", "--out", str(xlsx)]) == 0
    from openpyxl import load_workbook

    cells = [c.value for c in load_workbook(xlsx).active["A"]]
    assert "Financial years: 2024/25" in cells and "Alpha Ltd" in cells
    assert main(["export", "tiny", "--root", str(root), "--what", "unlocated",
                 "--out", str(tmp_path / "u.csv")]) == 0
    assert (tmp_path / "u.csv").read_text(encoding="utf-8-sig").startswith("Supplier Name,")
    assert main(["report", "tiny", "--root", str(root), "--no-map",
                 "--out", str(tmp_path / "r.html")]) == 0
    assert "Tiny: where the spend goes" in (tmp_path / "r.html").read_text()


@pytest.mark.parametrize("argv, message", [
    (["import", "tiny"], "give the spend files"),
    (["import", "tiny", "--spend", "x.csv"], "no postcode directory"),
    (["export", "tiny", "--what", "map", "--format", "csv"], "does not fit"),
    (["export", "nope"], "no data set named 'nope'"),
    (["report", "tiny", "--year", "2023"], "financial years as 2023/24"),
    (["export", "tiny", "--anchor", "Nobody"], "no such anchor"),
])
def test_command_line_errors_say_what_to_do(files, root, capsys, argv, message):
    from dashboard.cli import main

    im.import_dataset("tiny", files, root=root)
    assert main([*argv, "--root", str(root)]) == 2
    assert message in capsys.readouterr().err

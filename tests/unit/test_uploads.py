"""Uploads for imports made in the page: the streaming route and its limits, safe names and batch
ids (no path traversal), previews that agree with the spend reader, and the reference files."""
from __future__ import annotations

import gzip
import io
import json
import os
import time
from pathlib import Path

import pytest
from flask import Flask

from dashboard.errors import InputError
from dashboard.ingest.io import spend as sp
from dashboard.ingest.io._tabular import read_table
from dashboard.ingest.uploads import (
    MAX_FILES,
    UploadError,
    UploadStore,
    configured_references,
    head_bytes,
    imports_enabled,
    preview_spend,
    reference_files,
)
from dashboard.serve.uploads import HEADER, register_upload_route
from dashboard.settings import load_settings
from tests.conftest import ROOT
from tests.unit.test_importer import IMD, NSPL, SPEND

LIMIT = 1000
SHARED_SPEND = ROOT.parent / "shared" / "data" / "spend" / "oxford_city_council"


@pytest.fixture()
def store(tmp_path) -> UploadStore:
    return UploadStore(tmp_path / "uploads")


def save(store: UploadStore, batch: str, name: str, data: bytes, kind: str = "spend",
         length: int | None = -1, limit: int = LIMIT):
    return store.save(batch, kind, name, io.BytesIO(data), len(data) if length == -1 else length,
                      limit)


# --------------------------------------------------------------------------- the store
def test_a_file_is_stored_under_a_safe_name_inside_its_batch(store):
    batch = store.new_batch()
    saved = save(store, batch, "../../etc/passwd.csv", b"a,b\n1,2\n")
    assert saved.name == "passwd.csv"
    assert saved.path == store.folder / batch / "spend" / "000" / "passwd.csv"
    assert saved.path.read_bytes() == b"a,b\n1,2\n"
    info = json.loads((saved.path.parent / "info.json").read_text())
    assert info["size"] == 8 and len(info["sha256"]) == 64
    found = store.files(batch)
    assert [f.name for f in found.spend] == ["passwd.csv"] and found.suppliers is None


@pytest.mark.parametrize("batch", ["../x", "", None, "0" * 31, "g" * 32, "0" * 32 + "/..",
                                   "0" * 33, {"a": 1}])
def test_a_batch_id_is_32_hex_digits_or_refused(store, batch):
    with pytest.raises(UploadError) as err:
        store.batch_dir(batch)
    assert err.value.status == 400


@pytest.mark.parametrize("name, stored", [
    ("C:\\Users\\me\\spend.csv", "spend.csv"), ("..", "upload.csv"),
    ("a\x00b.csv", "ab.csv"), (".hidden.csv", "hidden.csv"), ("x" * 300 + ".csv", None)])
def test_hostile_names_stay_plain_names_in_the_batch(store, name, stored):
    batch = store.new_batch()
    if stored == "upload.csv":       # ".." has no extension left: refused as not CSV/XLSX
        saved = save(store, batch, name + "/upload.csv", b"a\n1\n")
    else:
        saved = save(store, batch, name, b"a\n1\n")
    assert saved.path.parent.parent == store.folder / batch / "spend"
    assert "/" not in saved.name and "\x00" not in saved.name and not saved.name.startswith(".")
    if stored:
        assert saved.name == stored
    else:
        assert len(saved.name) <= 120 and saved.name.endswith(".csv")


def test_too_big_empty_cut_short_and_wrong_type_are_refused_and_leave_nothing(store):
    batch = store.new_batch()
    cases = [(b"x" * (LIMIT + 1), "big.csv", -1, 413), (b"x" * (LIMIT + 1), "big.csv", None, 413),
             (b"", "empty.csv", -1, 422), (b"a,b\n", "short.csv", 10, 400),
             (b"MZ\x90", "tool.exe", -1, 415), (b"a", "sheet.xls", -1, 415)]
    for data, name, length, status in cases:
        with pytest.raises(UploadError) as err:
            save(store, batch, name, data, length=length)
        assert err.value.status == status, name
    assert store.files(batch).spend == ()
    assert not any(p.is_file() for p in (store.folder / batch).rglob("*")), "partial files left"


def test_a_file_with_the_same_content_is_refused_and_the_register_is_replaced(store):
    batch = store.new_batch()
    save(store, batch, "q1.csv", b"a,b\n1,2\n")
    with pytest.raises(UploadError) as err:
        save(store, batch, "q1-copy.csv", b"a,b\n1,2\n")
    assert err.value.status == 409 and "same content as q1.csv" in str(err.value)
    save(store, batch, "q2.csv", b"a,b\n3,4\n")
    save(store, batch, "old.csv", b"Supplier Name,Postcode\n", kind="suppliers")
    save(store, batch, "new.xlsx", b"PK\x03\x04", kind="suppliers")
    found = store.files(batch)
    assert [f.name for f in found.spend] == ["q1.csv", "q2.csv"]
    assert found.suppliers.name == "new.xlsx"
    assert len(list((store.folder / batch / "suppliers").iterdir())) == 1


def test_remove_and_cleanup(store):
    batch = store.new_batch()
    first = save(store, batch, "a.csv", b"1\n")
    save(store, batch, "b.csv", b"2\n")
    store.remove(batch, "spend", first.index)
    store.remove(batch, "spend", 99)            # not there: nothing happens
    store.remove(batch, "../x", 0)
    assert [f.name for f in store.files(batch).spend] == ["b.csv"]
    old = store.folder / batch
    past = time.time() - 2 * 86400
    os.utime(old, (past, past))
    other = store.new_batch()                   # making a batch removes day-old ones
    assert not old.exists() and other != batch


def test_at_most_max_files_in_one_batch(store, monkeypatch):
    monkeypatch.setattr("dashboard.ingest.uploads.MAX_FILES", 2)
    batch = store.new_batch()
    save(store, batch, "a.csv", b"1\n")
    save(store, batch, "b.csv", b"2\n")
    with pytest.raises(UploadError) as err:
        save(store, batch, "c.csv", b"3\n")
    assert err.value.status == 409 and MAX_FILES > 2


# --------------------------------------------------------------------------- the route
@pytest.fixture()
def client(store):
    server = Flask(__name__)
    server.config["MAX_CONTENT_LENGTH"] = 10 * LIMIT
    register_upload_route(server, "/", store, limit_bytes=LIMIT)
    return server.test_client()


def post(client, data: bytes, **params):
    headers = {HEADER: "1", "Content-Type": "application/octet-stream",
               "Content-Length": str(len(data))}
    headers.update(params.pop("headers", {}))
    return client.post("/upload", query_string=params, data=data, headers=headers)


def test_route_streams_a_file_and_reuses_the_batch(client, store):
    first = post(client, b"a,b\n1,2\n", kind="spend", name="q1.csv")
    assert first.status_code == 200, first.json
    batch = first.json["batch"]
    second = post(client, b"a,b\n3,4\n", kind="spend", name="q2.csv", batch=batch)
    assert second.json == {"batch": batch, "kind": "spend", "name": "q2.csv", "size": 8}
    assert [f.name for f in store.files(batch).spend] == ["q1.csv", "q2.csv"]


@pytest.mark.parametrize("params, data, status, words", [
    ({"headers": {HEADER: ""}}, b"a\n", 400, "upload button"),
    ({"kind": "spend", "name": "big.csv"}, b"x" * (LIMIT + 1), 413, "can be uploaded"),
    ({"kind": "spend", "name": "a.csv", "batch": "../../etc"}, b"a\n", 400, "not known"),
    ({"kind": "other", "name": "a.csv"}, b"a\n", 400, "spend or suppliers"),
])
def test_route_errors_say_why(client, params, data, status, words):
    resp = post(client, data, **params)
    assert resp.status_code == status
    assert words in resp.json["error"]


def test_route_refusals_of_a_file_are_answered_for_the_page_to_name(client, store):
    """A file refused for what it is answers 200 with "refused" (browsers log every 4xx as a
    console error; the page names the file and carries on with the next)."""
    batch = post(client, b"a,b\n1,2\n", kind="spend", name="q1.csv").json["batch"]
    cases = [(b"a,b\n1,2\n", "q1-copy.csv", 409, "same content as q1.csv"),
             (b"%PDF", "a.pdf", 415, "not a CSV or XLSX"), (b"", "empty.csv", 422, "is empty")]
    for data, name, status, words in cases:
        resp = post(client, data, kind="spend", name=name, batch=batch)
        assert resp.status_code == 200 and resp.json["status"] == status
        assert words in resp.json["refused"] and resp.json["batch"] == batch
    assert [f.name for f in store.files(batch).spend] == ["q1.csv"]


def test_route_is_off_when_imports_are_off(store):
    server = Flask(__name__)
    register_upload_route(server, "/maps/", store, limit_bytes=LIMIT, enabled=False)
    resp = server.test_client().post("/maps/upload", data=b"a\n", headers={HEADER: "1"})
    assert resp.status_code == 403 and "turned off" in resp.json["error"]


def test_imports_enabled_needs_the_setting_and_a_writable_folder(tmp_path, monkeypatch):
    on = load_settings(env={}, networks_dir=str(tmp_path / "new" / "networks"))
    assert imports_enabled(on)                 # not there yet: its nearest parent is writable
    assert not imports_enabled(load_settings(env={}, imports=False,
                                             networks_dir=str(tmp_path)))
    seen = []
    monkeypatch.setattr("dashboard.ingest.uploads.os.access",
                        lambda path, mode: seen.append(Path(path)) or False)
    assert not imports_enabled(on)             # a read-only mount (as the Docker example's)
    assert seen == [tmp_path]


# --------------------------------------------------------------------------- previews
def test_preview_finds_header_rows_and_mapping_as_the_reader_does(tmp_path):
    path = tmp_path / "spend.csv"
    path.write_text("Expenditure over 500\n\n" + SPEND)
    p = preview_spend(path)
    assert p.error is None
    assert p.header[:4] == ("Body Name", "Paid Date", "Supplier ID", "Supplier Name")
    assert p.rows[0][:2] == ("Test Council", "05/04/2023") and len(p.rows) == 5
    assert p.mapping == {"anchor": "Body Name", "date": "Paid Date", "supplier_id": "Supplier ID",
                         "supplier": "Supplier Name", "amount": "Amount",
                         "category": "Expenditure Category", "reference": "Trans No"}


def test_xlsx_preview_shows_formula_cells_as_the_import_reads_them(tmp_path):
    from datetime import datetime

    from tests.unit.test_spend_reader import _with_saved_values, _xlsx

    path = _with_saved_values(_xlsx(tmp_path, [
        ["Organisation", "Payment Date", "Amount (£)", "Vendor Name", "Vendor ID"],
        ["NHS Trust", datetime(2024, 3, 31), "=SUM(1000,234.5)", "Acme Ltd", "S1"],
        ["NHS Trust", datetime(2024, 3, 31), "=1+1", "No Saved Value", "S2"],
    ]), {"C2": ("1234.5", None)})
    p = preview_spend(path)
    assert p.error is None and [r[2] for r in p.rows] == ["1234.5", "=1+1"]


def test_preview_says_what_stops_the_import_and_follows_corrections(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("When,Who,How much\n01/04/2023,Alpha Ltd,10.00\n")
    p = preview_spend(path)
    assert p.header == () and "no header row with an amount column" in p.error
    fixed = preview_spend(path, columns={"date": "When", "supplier": "Who", "amount": "How much"})
    assert fixed.mapping == {"date": "When", "supplier": "Who", "amount": "How much"}
    assert "has no column naming the organisation" in fixed.error
    named = preview_spend(path, columns={"date": "When", "supplier": "Who", "amount": "How much"},
                          anchor_name="Test Council")
    assert named.error is None and "anchor" not in named.mapping
    wrong = preview_spend(path, columns={"amount": "Nope"})
    assert "has no column 'Nope'" in wrong.error


def test_preview_reads_gzip_and_xlsx(tmp_path):
    import openpyxl

    gz = tmp_path / "spend.csv.gz"
    gz.write_bytes(gzip.compress(SPEND.encode()))
    assert preview_spend(gz).mapping["amount"] == "Amount"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Q1"
    ws.append(["Spend over £500"])
    ws.append(["Organisation", "Date", "Supplier", "Amount"])
    for i in range(20):
        ws.append(["Test Council", f"0{1 + i % 9}/04/2023", f"S{i}", 10 * i])
    wb.save(tmp_path / "spend.xlsx")
    p = preview_spend(tmp_path / "spend.xlsx")
    assert p.error is None and p.sheet == "Q1" and len(p.rows) == 5
    assert p.mapping == {"anchor": "Organisation", "date": "Date", "supplier": "Supplier",
                         "amount": "Amount"}


def test_head_bytes_ends_on_a_whole_line(tmp_path):
    path = tmp_path / "long.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 100_000)
    head = head_bytes(path, limit=1000)
    assert len(head) <= 1000 and head.endswith(b"\n") and head.startswith(b"a,b\n")
    assert head_bytes(path, limit=10**7) == path.read_bytes()


def _spend_files() -> list[Path]:
    files = [ROOT / "tests" / "fixtures" / "spend_cp1252_titles.csv"]
    if SHARED_SPEND.is_dir():
        files += sorted(SHARED_SPEND.glob("*.csv"))
    return files


@pytest.mark.parametrize("path", _spend_files(), ids=lambda p: p.name)
def test_preview_mapping_is_the_readers_mapping(path):
    data = path.read_bytes()
    table = read_table(path.name, data, sp.header_finder({}), sp.missing_header({}), len(data))
    try:
        expected, _ = sp._mapping(table, sp.FileOptions(), None, sp.continued_header(table))
    except InputError:
        expected, _ = sp._mapping(table, sp.FileOptions("Anchor"), None,
                                  sp.continued_header(table))      # a file with no anchor column
        assert sp.table_mapping(table, {}, "Anchor") == expected
        return
    assert sp.table_mapping(table, {}, None) == expected
    assert preview_spend(path).mapping == {f: table.header[i] for f, i in expected.items()}


# --------------------------------------------------------------------------- reference files
def _reference_dir(tmp_path) -> Path:
    ref = tmp_path / "reference"
    (ref / "nspl").mkdir(parents=True)
    (ref / "nspl" / "NSPL_A.csv").write_bytes(NSPL.read_bytes())
    (ref / "nspl" / "NSPL_B.csv").write_bytes(NSPL.read_bytes())
    (ref / "iod").mkdir()
    (ref / "iod" / "File_1_IMD.csv").write_text(IMD, encoding="utf-8-sig")
    return ref


def test_references_from_the_settings(tmp_path):
    ref = _reference_dir(tmp_path)
    refs = configured_references(load_settings(env={}, reference_dir=str(ref)))
    assert refs.ready and refs.origin == "settings" and refs.problems == ()
    assert refs.names() == {"postcodes": ["NSPL_A.csv", "NSPL_B.csv"], "imd": ["File_1_IMD.csv"]}
    (ref / "iod" / "File_1_other.csv").write_text(IMD)
    two = configured_references(load_settings(env={}, reference_dir=str(ref)))
    assert not two.ready and "2 files match reference_imd" in two.problems[0]
    none = configured_references(load_settings(env={}, reference_dir=str(tmp_path / "no")))
    assert not none.ready and "reference_dir" in none.problems[0]
    assert str(tmp_path) not in none.problems[0]            # no server path shown
    empty = configured_references(load_settings(env={}, reference_dir=str(ref),
                                                reference_postcodes=""))
    assert "reference_postcodes is empty" in empty.problems[0]


def test_references_recorded_by_the_data_set_shown_come_first(tmp_path):
    ref = _reference_dir(tmp_path)
    other = tmp_path / "elsewhere.csv"
    other.write_text(IMD)
    meta = {"sources": {"reference": {
        "postcodes": [{"name": "n.csv", "path": str(NSPL)}],
        "imd": {"name": "imd.csv", "path": str(other)},
        "wards": {"name": "gone.geojson", "path": str(tmp_path / "gone.geojson")}}}}
    settings = load_settings(env={}, reference_dir=str(ref))
    refs = reference_files(meta, settings)
    assert refs.origin == "dataset" and refs.files == {"postcodes": [NSPL], "imd": other}
    other.unlink()                                            # moved away: the settings' files
    assert reference_files(meta, settings).origin == "settings"
    assert reference_files({}, settings).names()["imd"] == ["File_1_IMD.csv"]

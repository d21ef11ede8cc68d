"""The data panel without a browser: its pure views, its callbacks as plain functions, the data set
registry (one app per data set at <prefix>d/NAME/, rebuilt after a re-import) and `--network`. A
whole import started and followed the way the page does it runs a worker process: it is in
tests/integration/test_import_job_page.py."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from dashboard.ingest import catalog
from dashboard.ingest import importer as im
from dashboard.ingest.store import save_dataset
from dashboard.ingest.uploads import UploadStore
from dashboard.serve.app import create_app
from dashboard.serve.networks import MAX_APPS, Networks, networks_of
from dashboard.settings import Settings, load_settings
from dashboard.view import data as vm
from dashboard.web.callbacks import data as cb
from dashboard.web.ids import MAPPING_FIELDS
from tests.synthetic import synthetic_dataset
from tests.unit.test_importer import IMD, NSPL, REGISTER, SPEND, SPEND_2, write_sources


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def synth():
    return synthetic_dataset(n_suppliers=60, n_tx=600)


def imported_places(tmp_path: Path) -> dict:
    """A networks folder with the tiny data set imported as "tiny", and a reference folder."""
    root = tmp_path / "networks"
    im.import_dataset("tiny", write_sources(tmp_path / "in"), root=root, title="Tiny network")
    ref = tmp_path / "reference"
    ref.mkdir()
    (ref / "NSPL_tiny.csv").write_bytes(NSPL.read_bytes())
    (ref / "File_1_tiny.csv").write_text(IMD, encoding="utf-8-sig")
    return {"root": root, "ref": ref, "tmp": tmp_path}


@pytest.fixture()
def places(tmp_path) -> dict:
    return imported_places(tmp_path)


def settings_for(places: dict, **over) -> Settings:
    return load_settings(env={}, networks_dir=str(places["root"]),
                         reference_dir=str(places["ref"]), **over)


@pytest.fixture()
def app(synth, places):
    return create_app(synth, settings_for(places))


# --------------------------------------------------------------------------- pure views
MESSAGES = [   # (a reader's or importer's message, what the page says instead)
    ("a.csv: has no anchor column: give the anchor name (--anchor-name), e.g. --anchor-name "
     "\"Oxford City Council\".", "give the anchor name in the import form, e.g. \"Oxford"),
    ("no date (the cell holds '…'): give the file's period (--period FROM:TO) to import these rows",
     "(the period boxes of the import form)"),
    ("a.csv: no amount column found. Headers found: 'x'. Name the columns with --columns "
     "FIELD=HEADER, e.g. --columns amount=\"Net Value\".", "Choose the columns in the column"),
    ("b.csv: has no column 'Nope' (from the column mapping) in its first 20 rows. Headers found: "
     "'a'. Use one of these in --columns FIELD=HEADER.", "Choose one of these in the column map"),
    ("no postcode directory given: give the NSPL or ONSPD file(s) (--postcodes)",
     "(a reference file on the server)"),
]


@pytest.mark.parametrize("message, words", MESSAGES)
def test_reader_messages_are_put_in_the_pages_words(message, words):
    out = vm.page_message(message)
    assert words in out and "--" not in out.replace("—", "")


@pytest.mark.parametrize("name, existing, add, problem, note", [
    ("", [], False, "Give the data set a name", ""),
    ("../x", [], False, "cannot be a data set name", ""),
    ("a" * 65, [], False, "cannot be a data set name", ""),
    ("oxford", [], False, None, "A new data set 'oxford'"),
    ("oxford", ["oxford"], False, None, "importing replaces it"),
    ("oxford", ["oxford"], True, None, "added to data set 'oxford'"),
    ("oxford", [], True, "no data set 'oxford' to add", ""),
])
def test_check_name(name, existing, add, problem, note):
    got_problem, got_note = vm.check_name(name, existing, add)
    assert (problem is None) == (got_problem is None) and (problem or "") in (got_problem or "")
    assert note in got_note


def test_name_pattern_is_the_importers():
    assert vm.NAME_PATTERN.pattern == catalog.NAME_PATTERN.pattern


@pytest.mark.parametrize("start, end, ok, problem", [
    ("", "", None, None), ("01/04/2014", "30/06/2014", True, None),
    ("01/04/2014", "", None, "both ends"), ("30/06/2014", "01/04/2014", None, "ends before"),
    ("tomorrow", "01/04/2014", None, "day/month/year")])
def test_parse_period(start, end, ok, problem):
    period, got = vm.parse_period(start, end)
    assert (period is not None) == bool(ok)
    assert (problem or "") in (got or "") and (got is None) == (problem is None)


def test_mapping_overrides_keep_only_chosen_fields():
    assert vm.mapping_overrides({"date": "When", "amount": None, "bogus": "x", "postcode": " "}) \
        == {"date": "When"}
    assert vm.mapping_overrides({}) is None


@pytest.mark.parametrize("status, finished, percent, words", [
    ({"state": "queued", "progress": 0}, False, 0, "Waiting to start"),
    ({"state": "running", "progress": 0.42, "message": "reading 3 files"}, False, 42,
     "Importing: reading 3 files"),
    ({"state": "done", "progress": 1}, True, 100, "Import finished"),
    ({"state": "failed", "progress": 0.1, "error": "x (--anchor-name)"}, True, 10, "stopped"),
])
def test_job_view(status, finished, percent, words):
    view = vm.job_view(status)
    assert (view.finished, view.percent) == (finished, percent) and words in view.message
    if status["state"] == "failed":
        assert view.error == "x (the anchor name box)"


def test_import_report_and_sources_of_a_real_import(places):
    meta = catalog.read_manifest(places["root"] / "tiny")["meta"]
    r = vm.import_report(meta)
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (9, 7, 2)
    assert r.files == [{"name": "spend.csv", "read": 9, "accepted": 7, "rejected": 2,
                        "note": "columns: amount 'Amount' (amount), date 'Paid Date' (payment "
                                "date), supplier 'Supplier Name' (supplier name), anchor 'Body "
                                "Name' (the organisation's name)"}]   # how the file was read
    assert sum(x["rows"] for x in r.reasons) == 2 and "spend.csv line" in r.reasons[0]["example"]
    assert r.suppliers["located"] == 4 and r.unlocated_listed >= 1
    s = vm.sources_view(meta)
    assert s.spend[0]["name"] == "spend.csv" and len(s.spend[0]["sha256"]) == 64
    assert s.register["name"] == "register.csv"
    whats = {x["what"] for x in s.reference}
    assert {"Postcode directory", "Indices of Deprivation (File 1)"} <= whats
    assert all("path" not in x for x in s.reference)          # names, not server paths
    assert ("LSOA vintage of the index", "2011") in s.vintages and s.attribution


def test_sources_of_an_older_manifest_with_names_only():
    meta = json.loads((Path("data/demo/manifest.json")).read_text())["meta"]
    s = vm.sources_view(meta)
    assert [f["name"] for f in s.spend][:2] == ["spend-1.csv", "spend-2.csv"]
    assert any(x["name"].startswith("NSPL_") for x in s.reference)
    assert ("Ward boundaries vintage", "2013") in s.vintages
    assert vm.import_report({}) is None


# --------------------------------------------------------------------------- callbacks
def upload(store: UploadStore, batch: str, name: str, text: str, kind: str = "spend") -> None:
    data = text.encode()
    store.save(batch, kind, name, io.BytesIO(data), len(data), 10**6)


def test_files_mapping_and_check_steps(tmp_path):
    store = UploadStore(tmp_path / "up")
    batch = store.new_batch()
    assert cb.batch_files(store, None) is None
    upload(store, batch, "q1.csv", SPEND)
    upload(store, batch, "q2.csv", SPEND_2.replace("Body Name,", "Org,"))
    upload(store, batch, "register.csv", REGISTER, kind="suppliers")
    files = cb.batch_files(store, {"batch": batch, "seq": 3})
    assert [f["name"] for f in files["spend"]] == ["q1.csv", "q2.csv"]
    assert files["register"]["name"] == "register.csv"
    none = [None] * len(MAPPING_FIELDS)
    options, used, previews, check = cb.mapping_step(store, files, none, None, None, None)
    assert {"label": "Org", "value": "Org"} in options[0] and len(options) == len(MAPPING_FIELDS)
    anchor = used[MAPPING_FIELDS.index("anchor")]
    assert "Body Name (1 file)" in str(anchor) and "needed" in str(anchor)
    assert check["has_spend"] and "q2.csv: has no column naming the organisation" in check["errors"][0]
    note, problems, disabled = cb.import_check(check, "tiny2", [], ["tiny"], True)
    assert disabled and "has no column naming the organisation" in str(problems)
    chosen = [("Org" if f == "anchor" else None) for f in MAPPING_FIELDS]   # not in q1.csv
    _, _, _, check = cb.mapping_step(store, files, chosen, None, None, None)
    assert "q1.csv: has no column 'Org'" in check["errors"][0]
    _, used, _, check = cb.mapping_step(store, files, none, "Test Council", None, None)
    assert check["errors"] == [] and "Test Council" in used[MAPPING_FIELDS.index("anchor")]
    note, problems, disabled = cb.import_check(check, "tiny2", [], ["tiny"], True)
    assert not disabled and problems == [] and "new data set" in note
    assert cb.import_check(check, "tiny2", [], ["tiny"], False)[2]    # no reference files
    assert not cb.import_check(check, "tiny", ["add"], ["tiny"], False)[2]   # adding: no need
    _, _, _, check = cb.mapping_step(store, files, none, "Test Council", "01/04/2023", "")
    assert check["period_problem"] and cb.import_check(check, "x", [], [], True)[2]


def test_follow_job_without_a_job_or_with_a_lost_one(app):
    networks = networks_of(app)
    assert cb.follow_job(networks, None, Path("/nonexistent"))[0] is True
    out = cb.follow_job(networks, {"job": "0" * 16, "name": "x"}, Path("/nonexistent"))
    assert out[0] is True and "no import job" in out[3] and out[5] == 0


# --------------------------------------------------------------------------- the registry
def test_each_data_set_opens_at_its_own_address(app, places):
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/d/tiny").headers["Location"].endswith("/d/tiny/")
    page = client.get("/d/tiny/")
    assert page.status_code == 200 and b"/d/tiny/" in page.data
    layout = client.get("/d/tiny/_dash-layout").get_data(as_text=True)
    assert "Tiny network" in layout and "Test Council" in layout
    assert "Tiny network" not in client.get("/_dash-layout").get_data(as_text=True)
    assert client.get("/d/tiny/health").json["dataset"]["name"] == "tiny"
    missing = client.get("/d/nothere/")
    assert missing.status_code == 404 and b"no data set called 'nothere'" in missing.data
    assert "Content-Security-Policy" in missing.headers
    assert client.get("/d/tiny/geometry/wards.geojson").status_code in (200, 404)
    entries = networks_of(app).entries()
    assert [e.name for e in entries] == [None, "tiny"] and entries[1].href == "/d/tiny/"
    items = json.dumps(cb.panel.dataset_items(entries, None), default=lambda c: c.to_plotly_json())
    assert "shown now" in items and "/d/tiny/" in items


def test_a_reimport_builds_the_new_version_and_old_apps_are_dropped(app, places):
    networks = networks_of(app)
    first = networks.app_for("tiny")
    assert networks.app_for("tiny") is first
    assert networks_of(first) is networks   # an app it builds joins it: no second registry
    src = write_sources(places["tmp"] / "in2")
    im.import_dataset("tiny", src, root=places["root"], title="Tiny again")
    second = networks.app_for("tiny")
    assert second is not first
    assert "Tiny again" in app.server.test_client().get("/d/tiny/_dash-layout").get_data(True)
    for i in range(MAX_APPS + 2):
        save_dataset(synthetic_dataset(n_suppliers=20, n_tx=50, seed=i), places["root"] / f"s{i}")
        assert networks.app_for(f"s{i}") is not None
    assert len(networks._apps) == MAX_APPS


def test_the_served_network_is_rebuilt_after_a_reimport(places):
    settings = settings_for(places, network="tiny")
    assert settings.data_dir == str(places["root"] / "tiny")
    app = create_app(None, settings)
    client = app.server.test_client()
    assert "Tiny network" in client.get("/_dash-layout").get_data(True)
    assert networks_of(app).href("tiny") == "/"
    im.import_dataset("tiny", write_sources(places["tmp"] / "in3"), root=places["root"],
                      title="Tiny renamed")
    assert "Tiny renamed" in client.get("/_dash-layout").get_data(True)


@pytest.mark.parametrize("strips", [False, True])
def test_data_sets_behind_a_url_prefix(synth, places, strips):
    app = create_app(synth, settings_for(places, url_prefix="/maps/", proxy_strips_prefix=strips))
    client = app.server.test_client()
    base = "/" if strips else "/maps/"
    page = client.get(f"{base}d/tiny/")
    assert page.status_code == 200
    config = re.search(r'id="_dash-config" type="application/json">(.*?)</script>',
                       page.get_data(True), re.S).group(1)
    assert json.loads(config)["requests_pathname_prefix"] == "/maps/d/tiny/"
    assert client.get(f"{base}d/tiny/_dash-layout").status_code == 200
    assert networks_of(app).href("tiny") == "/maps/d/tiny/"


def test_network_setting_and_command_line():
    assert load_settings(env={"ANCHOR_NETWORK": "oxford", "ANCHOR_NETWORKS_DIR": "/srv/n"}
                         ).data_dir == "/srv/n/oxford"
    with pytest.raises(ValueError, match="ANCHOR_NETWORK"):
        load_settings(env={"ANCHOR_NETWORK": "../etc"})
    with pytest.raises(ValueError, match="not a data set name"):
        load_settings(env={}, network="a/b")
    from dashboard.serve.app import command_line

    assert command_line(["--network", "oxford"]) == {"network": "oxford"}
    assert command_line([]) == {}


def test_networks_registry_without_apps(tmp_path, synth):
    class Fake:
        server = type("S", (), {"config": {}})()

    settings = load_settings(env={}, networks_dir=str(tmp_path))
    built = []
    reg = Networks(settings, synth, factory=lambda ds, s, joins: built.append((s, joins)) or Fake())
    assert reg.entries()[0].name is None and reg.app_for("nope") is None
    save_dataset(synth, tmp_path / "one")
    assert reg.app_for("one") is not None
    settings_built, joins = built[0]
    assert settings_built.url_prefix == "/d/one/" and settings_built.network == "one"
    assert settings_built.proxy_strips_prefix is True
    assert joins is reg   # the app it builds joins this registry


def test_a_forged_files_store_cannot_point_the_import_at_other_files(tmp_path):
    store = UploadStore(tmp_path / "up")
    batch = store.new_batch()
    upload(store, batch, "q1.csv", SPEND)
    secret = tmp_path / "secret.csv"
    secret.write_text(SPEND.replace("Alpha Ltd", "Secret Ltd"))
    forged = {"batch": batch, "spend": [{"kind": "spend", "index": 0,
                                         "name": "../../../secret.csv", "size": 1}],
              "register": {"kind": "suppliers", "index": 0, "name": "../../../secret.csv"}}
    shown = cb.previews(store, forged, None, None, None)
    assert [p.name for p in shown] == ["q1.csv"]
    assert "Secret" not in json.dumps([p.rows for p in shown])
    assert cb.previews(store, {"batch": "../" + batch}, None, None, None) == []

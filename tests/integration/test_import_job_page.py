"""A whole import started and followed the way the page does it: uploads, the column mapping, a
background job (a worker process), its progress and report, then a refused re-add. The page's
helpers and fixtures are those of tests/unit/test_data_callbacks.py."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from dashboard.errors import InputError
from dashboard.ingest import jobs
from dashboard.ingest.catalog import read_manifest
from dashboard.ingest.uploads import UploadStore, jobs_folder, uploads_folder
from dashboard.serve.app import context_of, create_app
from dashboard.serve.networks import networks_of
from dashboard.web.callbacks import data as cb
from dashboard.web.ids import MAPPING_FIELDS
from tests.synthetic import synthetic_dataset
from tests.unit.test_data_callbacks import imported_places, settings_for, upload
from tests.unit.test_importer import REGISTER, SPEND


@pytest.fixture()
def places(tmp_path) -> dict:
    return imported_places(tmp_path)


@pytest.fixture()
def app(places):
    return create_app(synthetic_dataset(n_suppliers=60, n_tx=600), settings_for(places))


def wait_done(job: dict, jobs_dir: Path, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = jobs.job_status(job["job"], jobs_dir)
        if status["state"] in ("done", "failed"):
            return status
        time.sleep(0.1)
    pytest.fail(f"import job did not finish: {status}")


def test_an_import_started_and_followed_as_the_page_does(app, places):
    ctx = context_of(app)
    settings = ctx.settings
    store = UploadStore(uploads_folder(settings))
    batch = store.new_batch()
    upload(store, batch, "q1.csv", SPEND)
    upload(store, batch, "q1-again.csv", SPEND.replace("T9\n", "T9\n\n"))   # same rows, new file
    upload(store, batch, "register.csv", REGISTER, kind="suppliers")
    files = cb.batch_files(store, {"batch": batch})
    none = [None] * len(MAPPING_FIELDS)
    with pytest.raises(InputError, match="cannot be a data set name"):
        cb.start_import(ctx, store, files, none, None, None, None, "../x", None, [], ["tiny"])
    with pytest.raises(InputError, match="both ends"):
        cb.start_import(ctx, store, files, none, None, "01/04/2023", None, "n", None, [], [])
    job = cb.start_import(ctx, store, files, none, None, None, None, "fresh", "Fresh one", [],
                          ["tiny"])
    assert job["name"] == "fresh"
    networks = networks_of(app)
    disabled, value, hidden, words, report, refresh = cb.follow_job(networks, job,
                                                                    jobs_folder(settings))
    status = wait_done(job, jobs_folder(settings))
    assert status["state"] == "done", status
    disabled, value, hidden, words, report, refresh = cb.follow_job(networks, job,
                                                                    jobs_folder(settings))
    assert disabled and value == "100" and "ready" in words and refresh == job["job"]
    text = json.dumps(report, default=lambda c: c.to_plotly_json())
    assert "18 rows read, 14 imported, 4 rejected" in text
    assert "/d/fresh/export/rejected.csv" in text and "/d/fresh/export/unlocated.csv" in text
    meta = read_manifest(places["root"] / "fresh")["meta"]
    refs = meta["sources"]["reference"]
    assert Path(refs["imd"]["path"]) == places["ref"] / "File_1_tiny.csv"   # from the settings
    assert meta["title"] == "Fresh one"
    # adding the same file again is refused by content, and the report says so
    other = store.new_batch()
    upload(store, other, "q1.csv", SPEND)
    again = cb.start_import(ctx, store, cb.batch_files(store, {"batch": other}), none, None, None,
                            None, "tiny", None, ["add"], ["tiny", "fresh"])
    status = wait_done(again, jobs_folder(settings))
    assert status["state"] == "failed" and "nothing new to add" in status["error"]
    assert "already in it" in cb.follow_job(networks, again, jobs_folder(settings))[3]

"""Faults: a worker killed mid-request, a read-only data folder, a half-written data set, a
missing boundary file, a full disk during an import. Each gives a clear message, the service
keeps answering, and no saved data set is damaged."""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from dashboard.errors import InputError
from dashboard.ingest import importer as im
from dashboard.ingest.catalog import list_datasets
from dashboard.serve.health import load_checked
from tests.deploy.conftest import DEMO, ROOT, DashHTTP, get, gunicorn, wait_until
from tests.unit.test_importer import SPEND, write_sources

pytestmark = pytest.mark.slow


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` (links followed), by relative path."""
    folder = Path(folder).resolve()
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@contextlib.contextmanager
def tmpfs(where: Path, size: str, read_only: bool = False):
    """A small tmpfs mounted at `where` (skips the test when mounting is not permitted)."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs",
                        str(where)], capture_output=True, text=True)
    if r.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def remount_ro(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)


# --------------------------------------------------------------------------- worker killed
def test_flt001_worker_killed_mid_request_the_service_keeps_answering(served, tmp_path):
    log_before = served.log_text()
    pidfile = served.log.parent / "slow.pid"     # written by tests.deploy.testapp's slow route
    pidfile.unlink(missing_ok=True)
    outcome: dict = {}

    def slow():
        try:
            outcome["reply"] = get(served.url + "_test/slow?s=20", timeout=40)
        except Exception as exc:  # noqa: BLE001 - the connection is expected to break
            outcome["error"] = exc

    t = threading.Thread(target=slow)
    t.start()
    assert wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(), 20)
    victim = int(pidfile.read_text())
    assert victim in served.workers()
    os.kill(victim, signal.SIGKILL)
    t.join(30)
    assert not t.is_alive()
    # the request in flight fails as a broken connection or a 5xx, never a hang or a wrong page
    assert "error" in outcome or outcome["reply"].status >= 500
    # the others answer at once, every time
    dash = DashHTTP(served.url).open()
    for i in range(20):
        assert get(served.url + "health").status == 200
        r = dash.call("url.search", {"url.search": f"?x={(10, 20, 30)[i % 3]}"}, ["url.search"])
        assert r.status == 200
    # and gunicorn replaces the dead worker
    assert wait_until(lambda: len(served.workers()) == 4 and victim not in served.workers(), 30)
    assert served.log_text() != log_before


# --------------------------------------------------------------------------- read-only data
def test_flt002_read_only_data_folder_serves_and_imports_say_why_they_cannot(tmp_path):
    with tmpfs(tmp_path / "ro", "20m") as mnt:
        files = write_sources(tmp_path / "in")
        im.import_dataset("council", files, root=mnt / "networks")
        before = tree_digest(mnt / "networks" / "council")
        remount_ro(mnt)
        with gunicorn(tmp_path, {"ANCHOR_DATA_DIR": str(mnt / "networks" / "council")},
                      workers=2) as g:
            assert get(g.url + "health").json()["dataset"]["on_disk"] == "current"
            dash = DashHTTP(g.url).open()
            assert dash.call("url.search", {"url.search": "?x=20"}, ["url.search"]).status == 200
            with pytest.raises(InputError, match="read-only disk.*unchanged"):
                im.import_dataset("council", files, root=mnt / "networks")
            assert get(g.url + "health").status == 200
        assert tree_digest(mnt / "networks" / "council") == before


# --------------------------------------------------------------------------- half-written
def test_flt003_half_written_data_sets_are_ignored_or_refused_clearly(tmp_path):
    root = tmp_path / "networks"
    files = write_sources(tmp_path / "in")
    im.import_dataset("council", files, root=root)
    before = tree_digest(root / "council")
    # what a killed save or import leaves: store's ".NAME.XXXX.tmp", importer's staging, a
    # version folder never switched in
    for junk in (root / ".council.k3j2h1.tmp", root / ".council.import" / "v1",
                 root / ".council.v29990101T000000000000-1"):
        junk.mkdir(parents=True)
        (junk / "transactions.arrow").write_bytes(b"ARROW1\0\0half")
    assert [d["name"] for d in list_datasets(root)] == ["council"]
    assert len(load_checked(root / "council").tx) > 0
    # a folder whose transactions were cut short: a clear refusal, not a pyarrow traceback
    broken = tmp_path / "broken"
    shutil.copytree(DEMO, broken)
    data = (broken / "transactions.arrow").read_bytes()
    (broken / "transactions.arrow").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="damaged or was only partly written"):
        load_checked(broken)
    env = {**os.environ, "ANCHOR_DATA_DIR": str(broken), "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", "import app"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert "cannot start" in r.stderr and "partly written" in r.stderr
    assert "Traceback" not in r.stderr
    # a new import cleans what the killed one left and the data set is as it was until then
    im.import_dataset("council", files, root=root, add_to=False)
    assert not (root / ".council.import").exists()
    assert tree_digest(root / "council").keys() == before.keys()


# --------------------------------------------------------------------------- missing boundary
@pytest.mark.parametrize("field", ["wards", "lsoas"])
def test_flt004_missing_boundary_file_is_an_input_error_and_nothing_changes(tmp_path, field):
    root = tmp_path / "networks"
    files = write_sources(tmp_path / "in")
    im.import_dataset("council", files, root=root)
    link, before = os.readlink(root / "council"), tree_digest(root / "council")
    with pytest.raises(InputError, match="not found: check the path"):
        im.import_dataset("council", replace(files, **{field: tmp_path / "gone.geojson"}),
                          root=root)
    assert os.readlink(root / "council") == link and tree_digest(root / "council") == before


# --------------------------------------------------------------------------- full disk
def _big_spend(path: Path, rows: int) -> Path:
    header = SPEND.splitlines()[0]
    with open(path, "w") as fh:
        fh.write(header + "\n")
        for i in range(rows):
            fh.write(f"Test Council,05/04/2023,S{i % 50},Supplier {i:07d} Ltd,{i}.00,Works,T{i}\n")
    return path


def test_flt005_full_disk_during_import_leaves_the_previous_version(tmp_path, served):
    files = write_sources(tmp_path / "in")
    big = _big_spend(tmp_path / "in" / "big.csv", 60_000)
    with tmpfs(tmp_path / "small", "600k") as mnt:
        root = mnt / "networks"
        im.import_dataset("council", files, root=root)
        link, before = os.readlink(root / "council"), tree_digest(root / "council")
        with pytest.raises(InputError, match="disk holding the data sets is full.*unchanged"):
            im.import_dataset("council", replace(files, spend=[big]), root=root)
        assert os.readlink(root / "council") == link
        assert tree_digest(root / "council") == before
        assert not (root / ".council.import").exists()     # staging removed
        assert len(load_checked(root / "council").tx) > 0
        assert get(served.url + "health").status == 200     # the service never noticed


def test_flt006_full_disk_simulated_where_mounting_is_not_possible(tmp_path, monkeypatch):
    """The same promise without a mount: every write of the save raises ENOSPC."""
    import errno

    from dashboard.ingest import store
    root = tmp_path / "networks"
    files = write_sources(tmp_path / "in")
    im.import_dataset("council", files, root=root)
    link, before = os.readlink(root / "council"), tree_digest(root / "council")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "_fsync_tree", full)
    with pytest.raises(InputError, match="full"):
        im.import_dataset("council", files, root=root)
    assert os.readlink(root / "council") == link and tree_digest(root / "council") == before

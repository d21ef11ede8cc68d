"""An import process killed with kill -9 inside the atomic switch leaves a loadable data set with
its previous figures, and the next import tidies up (a subprocess per case: not a unit test)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.engine import metrics as m
from dashboard.ingest import importer as im
from dashboard.ingest.catalog import open_dataset
from dashboard.ingest.pipeline import Sources
from tests.conftest import ROOT
from tests.unit.test_importer import NSPL, write_sources


@pytest.fixture()
def files(tmp_path) -> Sources:
    return write_sources(tmp_path / "in")


@pytest.fixture()
def root(tmp_path) -> Path:
    return tmp_path / "networks"


def _link_and_figures(root: Path) -> tuple[str, dict]:
    return os.readlink(root / "tiny"), m.summarise(open_dataset("tiny", root)).headline


KILL_AT = '''
import os, sys
from pathlib import Path
from dashboard.ingest import importer as im
from dashboard.ingest.pipeline import Sources
real = getattr(os, sys.argv[1])
def die(*args, **kwargs):
    staged = Path(args[0]).parent.name == ".tiny.import"
    if sys.argv[1] == "rename" and not (staged and Path(args[1]).parent.name != ".tiny.import"):
        return real(*args, **kwargs)            # die only moving the version out of staging
    os._exit(9)                         # like kill -9: no clean-up, no finally
setattr(os, sys.argv[1], die)
src = Sources(spend=[Path(sys.argv[3]), Path(sys.argv[3]).with_name("spend2.csv")],
              postcodes=[Path(sys.argv[4])], imd=Path(sys.argv[5]), suppliers=Path(sys.argv[6]))
im.import_dataset("tiny", src, root=Path(sys.argv[2]))
'''


@pytest.mark.parametrize("call", ["rename", "replace"])
def test_a_process_killed_inside_the_switch_leaves_a_loadable_dataset(files, root, call):
    """Death right before the version is moved beside the link, or right before the link is
    replaced: the data set still loads with its previous figures (store.save_dataset's own
    two-rename swap has a moment with no folder at all; the link has none)."""
    im.import_dataset("tiny", files, root=root)
    before = _link_and_figures(root)
    done = subprocess.run([sys.executable, "-c", KILL_AT, call, str(root), str(files.spend[0]),
                           str(NSPL), str(files.imd), str(files.suppliers)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    if call == "rename":     # died with the complete new version still in staging
        assert list((root / ".tiny.import").glob("v*/manifest.json"))
    else:                    # died with the new version beside the link, not yet pointed to
        assert len(list(root.glob(".tiny.v*"))) == 2 and list(root.glob(".tiny.link-*"))
    assert _link_and_figures(root) == before
    im.import_dataset("tiny", files, root=root)     # and the next import tidies up
    assert not (root / ".tiny.import").exists() and not list(root.glob(".tiny.link-*"))
    assert len([p for p in root.glob(".tiny.v*")]) == 2

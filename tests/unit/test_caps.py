"""Denial-of-service caps (issue 15): gzip decompressed under a cap before it is hashed, payments
with megabyte cells rejected with a reason, files of thousands of columns refused by the preview,
and megabyte names of older data sets cut when opened."""
from __future__ import annotations

import gzip
import time

import pandas as pd
import pytest

from dashboard.engine import metrics as m
from dashboard.engine.model import build_dataset
from dashboard.errors import InputError
from dashboard.ingest import caps
from dashboard.ingest.hashing import file_sha256
from dashboard.ingest.pipeline import build_from_files
from dashboard.ingest.store import load_dataset, save_dataset
from dashboard.ingest.uploads import preview_spend
from tests import tiny
from tests.unit.test_importer import write_sources


def test_a_gzip_bomb_is_refused_at_the_cap_before_it_is_all_hashed(tmp_path):
    bomb = gzip.compress(b"\0" * (64 << 20))            # 64 MB of zeros in about 65 KB
    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(bomb)
    for source in (path, ("bomb.csv.gz", bomb)):
        start = time.process_time()
        with pytest.raises(InputError, match="unpacks to more than 8 MB"):
            file_sha256(source, max_bytes=8 << 20)
        assert time.process_time() - start < 2.0
    # plain files and small gzip files hash as before (the same content: the same checksum)
    (tmp_path / "a.csv").write_bytes(b"a,b\n1,2\n")
    assert file_sha256(tmp_path / "a.csv")[0] == file_sha256(("a.csv.gz",
                                                              gzip.compress(b"a,b\n1,2\n")))[0]


def test_a_payment_with_a_megabyte_cell_is_rejected_with_the_reason(tmp_path):
    src = write_sources(tmp_path / "in")
    text = src.spend[0].read_text()
    huge = "Huge " + "x" * (2 << 20)
    src.spend[0].write_text(text + f"Test Council,12/04/2023,S9,{huge},10.00,Care,T9\n")
    built = build_from_files(src)
    names = built.dataset.suppliers["name"].astype(str)
    assert names.str.len().max() < caps.MAX_CELL_CHARS
    row = built.rejected[built.rejected["reason"].str.contains("supplier cell")].iloc[0]
    assert "2,097,157 characters" in row["reason"] and len(row["raw"]) < 1000
    entry = built.report["files"][0]
    assert entry["rows_rejected"] >= 1 and entry["rows_read"] == (entry["rows_accepted"]
                                                                   + entry["rows_rejected"])


def test_the_preview_refuses_thousands_of_columns_in_a_short_answer(tmp_path):
    path = tmp_path / "wide.csv"
    n = caps.MAX_COLUMNS + 200
    extra = [f"c{i}" for i in range(n - 4)]
    path.write_text(",".join(["Supplier Name", "Amount", "Paid Date", "Body Name", *extra])
                    + "\n" + ",".join(["Acme", "1.00", "01/04/2023", "Council"] + ["1"] * len(extra))
                    + "\n")
    p = preview_spend(path)
    assert p.error and f"{n:,} columns" in p.error and p.header == () and p.rows == ()
    # a wide file with no header found: the message (which lists headers) is cut too
    (tmp_path / "nohead.csv").write_text(",".join(f"h{i}" for i in range(n)) + "\n")
    assert len(preview_spend(tmp_path / "nohead.csv").error) <= caps.MAX_CELL_CHARS


def test_preview_cells_are_cut_for_the_page(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("Supplier Name,Amount,Paid Date,Body Name\n"
                    f"{'y' * 5000},1.00,01/04/2023,Council\n")
    p = preview_spend(path)
    assert max(len(c) for row in p.rows for c in row) <= caps.DISPLAY_CHARS


def test_an_older_data_set_with_a_megabyte_name_is_cut_when_opened(tmp_path):
    sup = tiny.SUPPLIERS.copy()
    sup["name"] = sup["name"].astype(object)
    sup["display_name"] = sup["display_name"].astype(object)
    sup.loc[2, ["name", "display_name"]] = "Rich " + "z" * (1 << 20)
    ds = build_dataset(tiny.transactions(), sup, tiny.ANCHORS, tiny.LSOAS, tiny.WARDS, name="t")
    save_dataset(ds, tmp_path / "net")
    loaded = load_dataset(tmp_path / "net")
    table = m.supplier_table(m.summarise(loaded))
    assert table["supplier"].astype(str).str.len().max() <= caps.DISPLAY_CHARS
    assert pd.Series(loaded.suppliers["name"]).astype(str).str.len().max() <= caps.DISPLAY_CHARS

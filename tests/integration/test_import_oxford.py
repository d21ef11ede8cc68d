"""End to end: `python -m dashboard import` on Oxford City Council's 13 published spend files.

The report's counts (rows read, accepted, rejected per file) and the saved data set's figures are
checked against a hand count made here with the csv module and Decimal, independent of the reader.
Oxford publishes no supplier postcodes, so the test writes a register of ten real Oxford suppliers.
The NSPL extracts hold only the SR, TF, HR, SM and WC areas, so the register gives them postcodes
there (facts from NSPL Nov 2021 and IoD2019, checked by hand):

SR1 1AE E01008836 decile 1 | HR1 1AA E01014010 decile 3 | TF1 1AE E01014145 decile 3
SM1 1AA E01004142 decile 4 | WC1A 1AB E01000919 decile 4 | SR2 0AA E01008766 decile 5
TF1 1AD E01014133 decile 6 | SR7 0AA E01020782 decile 6 | HR1 1AB E01014007 decile 7
SR6 8JN E01008724 decile 10
"""
from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from dashboard.engine import metrics as m
from dashboard.ingest import catalog
from dashboard.ingest.io.suppliers import read_suppliers
from tests.conftest import ROOT

REGISTER = {  # supplier (as published, trailing spaces aside) -> (postcode, IMD decile)
    "GRAFTON MERCHANTING GB LTD": ("SR1 1AE", 1),
    "FURNISHED HOMES (UNDERLEY FURNISHINGS) LTD": ("HR1 1AA", 3),
    "OXFORD & DISTRICT BUILDING SERVICES LIMITED": ("TF1 1AE", 3),
    "CHAMPION EMPLOYMENT LTD": ("SM1 1AA", 4),
    "WOLSELEY UK LIMITED": ("WC1A 1AB", 4),
    "EDEN BROWN LTD": ("SR2 0AA", 5),
    "TOM GHEE CONSTRUCTION": ("TF1 1AD", 6),
    "COBALT TELEPHONE TECHNOLOGIES": ("SR7 0AA", 6),
    "JEWSON LTD": ("HR1 1AB", 7),
    "THE OYSTER PARTNERSHIP LTD": ("SR6 8JN", 10),
}
DATE = re.compile(r"\d{2}/\d{2}/\d{4}")
AMOUNT = re.compile(r"-?\d+(?:\.\d+)?")
ROW = re.compile(r"^(\S+\.csv)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)$")


def hand_count(path: Path) -> dict:
    """Rows read / accepted / rejected and accepted pence by supplier, with the csv module.

    A row is read when any cell is non-blank; accepted when its paid date is dd/mm/yyyy and its
    amount a plain number (the only shapes these files use); rejected otherwise.
    """
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    header = [h.strip().lower().replace("_", " ") for h in rows[0]]
    date_i = next(i for i, h in enumerate(header) if "date" in h)
    amount_i = header.index("amount")
    supplier_i = header.index("supplier name")
    out = {"read": 0, "accepted": 0, "rejected": 0, "no_date": 0, "pence": {}}
    for row in rows[1:]:
        if not any(c.strip() for c in row):
            continue
        out["read"] += 1
        date, amount = row[date_i].strip(), row[amount_i].strip()
        if not (DATE.fullmatch(date) and AMOUNT.fullmatch(amount)):
            out["rejected"] += 1
            out["no_date"] += date == "00:00:00"
            continue
        out["accepted"] += 1
        name = row[supplier_i].strip().upper()
        out["pence"][name] = out["pence"].get(name, 0) + int(Decimal(amount) * 100)
    return out


def cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=timeout)


@pytest.fixture(scope="module")
def oxford(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("oxford")
    register = folder / "register.csv"
    register.write_text("Supplier Name,Postcode,SME,VCSE,Individual\n" + "".join(
        f'"{name}",{pc},,,no\n' for name, (pc, _) in REGISTER.items()))
    spend = sorted((shared_data / "spend" / "oxford_city_council").glob("*.csv"))
    assert len(spend) == 13
    root = folder / "networks"
    done = cli("import", "oxford", "--root", str(root), "--spend", *map(str, spend),
               "--anchor-name", "Oxford City Council",
               "--postcodes", *map(str, sorted((shared_data / "nspl").glob("NSPL_*.csv.gz"))),
               "--imd", str(shared_data / "iod2019" /
                            "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"),
               "--suppliers", str(register), "--title", "Oxford City Council")
    assert done.returncode == 0, done.stderr
    counts = {p.name: hand_count(p) for p in spend}
    return {"root": root, "stdout": done.stdout, "stderr": done.stderr, "counts": counts,
            "spend": spend, "folder": folder}


def test_report_counts_match_a_hand_count_per_file(oxford):
    table = {m_.group(1): tuple(int(g.replace(",", "")) for g in m_.groups()[1:])
             for m_ in map(ROW.match, oxford["stdout"].splitlines()) if m_}
    hand = {name: (c["read"], c["accepted"], c["rejected"]) for name, c in oxford["counts"].items()}
    assert table == hand
    assert hand["expenditure-over-500-apr-jun-2014.csv"] == (3836, 0, 3836)   # no dates at all
    total = [line for line in oxford["stdout"].splitlines() if line.startswith("total")]
    sums = [sum(v[i] for v in hand.values()) for i in range(3)]
    assert total == [f"{'total':<48}{sums[0]:>9,}{sums[1]:>10,}{sums[2]:>10,}"]


def test_report_summarises_rejections_and_suppliers(oxford):
    out = oxford["stdout"]
    no_date = sum(c["no_date"] for c in oxford["counts"].values())
    assert re.search(rf"^\s+{no_date:,}\s+no date \(the cell holds '…'\)", out, re.M)
    assert re.search(r"; located 10; not located [\d,]+ \([\d,]+ with no postcode, 0 with a "
                     r"postcode not in the directory\)", out)
    assert "export oxford --what unlocated" in out
    assert "[100%] done" in oxford["stderr"]


def test_manifest_records_every_file_with_its_checksum(oxford):
    import hashlib

    meta = catalog.read_manifest(oxford["root"] / "oxford")["meta"]
    spend = {f["name"]: f for f in meta["sources"]["spend"]}
    for path in oxford["spend"]:
        entry = spend[path.name]
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["size"] == path.stat().st_size
        assert entry["rows_accepted"] == oxford["counts"][path.name]["accepted"]
    assert meta["vintages"]["imd_lsoa_vintage"] == "2011"
    assert meta["vintages"]["postcodes_lsoa_vintage"] == "2011"
    assert len(meta["sources"]["reference"]["postcodes"]) == 5


def test_saved_figures_match_hand_sums(oxford):
    pence: dict[str, int] = {}
    for c in oxford["counts"].values():
        for name, p in c["pence"].items():
            pence[name] = pence.get(name, 0) + p
    ds = catalog.open_dataset("oxford", oxford["root"])
    h = m.summarise(ds).headline
    assert h["total_spend"] == sum(pence.values())
    assert h["transactions"] == sum(c["accepted"] for c in oxford["counts"].values())
    assert h["located_spend"] == sum(pence[n] for n in REGISTER)
    assert h["deprived_spend"] == pence["GRAFTON MERCHANTING GB LTD"]
    h30 = m.summarise(ds, options=m.Options(most_deprived=30)).headline
    assert h30["deprived_spend"] == sum(pence[n] for n, (_, d) in REGISTER.items() if d <= 3)


def test_datasets_lists_it(oxford):
    done = cli("datasets", "--root", str(oxford["root"]), "--format", "json")
    assert done.returncode == 0, done.stderr
    [entry] = json.loads(done.stdout)
    accepted = sum(c["accepted"] for c in oxford["counts"].values())
    assert (entry["name"], entry["title"], entry["transactions"]) == (
        "oxford", "Oxford City Council", accepted)
    assert entry["years"] == [2013, 2014, 2015, 2016]


def test_transactions_export_reads_back_with_the_same_total(oxford):
    out = oxford["folder"] / "tx.csv"
    done = cli("export", "oxford", "--root", str(oxford["root"]), "--what", "transactions",
               "--out", str(out))
    assert done.returncode == 0, done.stderr
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    n = lines.index("")
    assert lines[:3] == ["# Data set: Oxford City Council (saved " + lines[0][-11:],
                         "# Anchors: all", "# Period: all dates"]
    back = pd.read_csv(out, skiprows=n + 1, encoding="utf-8-sig", keep_default_na=False)
    accepted = sum(c["accepted"] for c in oxford["counts"].values())
    assert len(back) == accepted
    total = sum(Decimal(str(v)) for v in back["Amount £"])
    assert int(total * 100) == sum(sum(c["pence"].values()) for c in oxford["counts"].values())
    assert not back["Supplier"].str.contains("Redacted", case=False).any()
    assert (back["Supplier"] == m.WITHHELD).sum() > 0
    assert not back["Supplier"].str.match(r"[=+\-@]").any()


def test_unlocated_register_is_a_register_the_reader_accepts(oxford):
    out = oxford["folder"] / "unlocated.csv"
    done = cli("export", "oxford", "--root", str(oxford["root"]), "--what", "unlocated",
               "--out", str(out))
    assert done.returncode == 0, done.stderr
    back = read_suppliers(out)
    names = set(back["name"].str.upper())
    assert not names & set(REGISTER)                      # the located ten are not in it
    assert not [n for n in names if "REDACTED" in n or re.match(r"(MR|MRS|MS|MISS|DR)\b", n)]
    assert back.attrs["duplicates"] == 0 and back["postcode"].isna().all()
    assert len(back) == catalog.read_manifest(oxford["root"] / "oxford")["meta"]["import"][
        "unlocated_listed"]


def test_adding_a_file_already_imported_is_refused(oxford):
    before = catalog.dataset_version("oxford", oxford["root"])
    done = cli("import", "oxford", "--root", str(oxford["root"]), "--add",
               "--spend", str(oxford["spend"][0]))
    assert done.returncode == 2
    assert "nothing new to add to data set 'oxford'" in done.stderr
    assert "expenditure-over-500-apr-jun-2014.csv is already in it" in done.stderr
    assert catalog.dataset_version("oxford", oxford["root"]) == before


def test_report_command_writes_a_self_contained_page(oxford):
    out = oxford["folder"] / "report.html"
    done = cli("report", "oxford", "--root", str(oxford["root"]), "--year", "2015/16",
               "--no-map", "--out", str(out))
    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    assert "Oxford City Council: where the spend goes" in html
    assert "Financial years: 2015/16" in html and "Redacted" not in html

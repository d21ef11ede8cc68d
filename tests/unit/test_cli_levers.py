"""`python -m dashboard workforce | assets`: the figures as the page shows them (disclosure-controlled
for the workforce), from files or a saved data set, as JSON or a table; bad input exits 2 with a
message. In-process (`cli.main`) on the tiny source files of test_importer (no wards loaded there,
so ward lists are checked on the tiny network's data set instead).
"""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from dashboard import cli
from dashboard.engine.disclosure import SMALL, exposed, workforce_protection
from dashboard.output.levers import workforce_ward_frame
from dashboard.view.levers import workforce_json
from tests import tiny
from tests.unit.test_importer import write_sources

SPEC_KEYS = {"workforce", "workforce_located", "pay_known", "workforce_share_most_deprived",
             "workforce_local_share", "living_wage_share", "by_ward"}
STAFF = ("Anchor,Home Postcode,Hourly Pay,Snapshot Date\n"
         + "Test Council,SR1 1AB,£13.50,2025-06-30\n" * 6
         + "Test Council,SR2 7XY,£12.00,2025-06-30\n" * 9
         + "Test Council,ZZ9 9ZZ,,2025-06-30\n")
ESTATE = ("Organisation,Site Name,Postcode,Status,Floor Area (m2),Community Use\n"
          "Test Council,Old library,SR1 1AB,Vacant,450,no\n"
          "Test Council,Depot,SR2 7XY,surplus,900,no\n"
          "Test Council,Town hall,SR1 1AB,in use,5000,yes\n")


@pytest.fixture()
def inputs(tmp_path):
    src = write_sources(tmp_path / "in")
    (tmp_path / "in" / "staff.csv").write_text(STAFF)
    (tmp_path / "in" / "estate.csv").write_text(ESTATE)
    files = ["--spend", str(src.spend[0]), "--postcodes", *map(str, src.postcodes),
             "--imd", str(src.imd), "--suppliers", str(src.suppliers)]
    return tmp_path / "in", files


def run(argv, capsys):
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_workforce_json_from_files(inputs, capsys):
    folder, files = inputs
    code, out, err = run(["workforce", *files, "--workforce", str(folder / "staff.csv"),
                          "--format", "json"], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert SPEC_KEYS <= set(result)
    # 16 staff, 15 located (16 - 15 = 1: located withheld), pay known 15 (withheld too)
    assert result["workforce"] == 16
    assert result["workforce_located"] is None and result["pay_known"] is None
    # SR1 1AB is decile 1: 6 of 15 located; 13.50 >= 12.60 (from 1 May 2025): 6 of 15 paid
    assert result["workforce_share_most_deprived"] == pytest.approx(6 / 15)
    assert result["living_wage_share"] == pytest.approx(6 / 15)
    assert result["snapshots"] == {"Test Council": "2025-06-30"}


def test_workforce_table_and_saved_data_set(inputs, capsys, tmp_path):
    folder, files = inputs
    root = tmp_path / "networks"
    code, _, err = run(["import", "net", *files, "--workforce", str(folder / "staff.csv"),
                        "--assets", str(folder / "estate.csv"), "--root", str(root)], capsys)
    assert code == 0, err
    code, out, err = run(["workforce", "--data", "net", "--root", str(root)], capsys)
    assert code == 0, err
    assert "Headcount" in out and "40.0%" in out and "Paid at least the real Living Wage" in out
    code, out, err = run(["assets", "--data", "net", "--root", str(root), "--format", "json",
                          "--most-deprived", "10"], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["sites"] == 3
    assert [c["name"] for c in result["vacant_or_surplus_in_most_deprived"]] == ["Old library"]


def test_assets_export(inputs, capsys, tmp_path):
    folder, files = inputs
    out_file = tmp_path / "candidates.csv"
    code, out, err = run(["assets", *files, "--assets", str(folder / "estate.csv"),
                          "--most-deprived", "30", "--export", str(out_file)], capsys)
    assert code == 0, err
    assert "Vacant, surplus or disposal-planned sites" in out
    text = out_file.read_text(encoding="utf-8-sig")
    assert "Old library" in text and "Town hall" not in text
    assert "Depot" not in text          # SR2 7XY is decile 4: not in the most deprived 30%


@pytest.mark.parametrize("argv,message", [
    (["workforce", "--format", "json"], "give --spend, --postcodes, --imd, --workforce"),
    (["workforce", "--data", "nope"], "nope"),
])
def test_missing_inputs_exit_2(argv, message, capsys, tmp_path):
    code, _, err = run([*argv, "--root", str(tmp_path)], capsys)
    assert code == 2 and message in err


def test_a_file_with_names_exits_2(inputs, capsys):
    folder, files = inputs
    (folder / "bad.csv").write_text("Anchor,Full Name,Home Postcode,Snapshot Date\n"
                                    "Test Council,A Person,SR1 1AB,2025-06-30\n")
    code, out, err = run(["workforce", *files, "--workforce", str(folder / "bad.csv")], capsys)
    assert code == 2 and "refused" in err and "A Person" not in err and not out


# --------------------------------------------------------------------------- wards, protected
def wds():
    rows = [("Council", "L1", 1, False, "2025-03-31", 7),
            ("Council", "L3", 1, False, "2025-03-31", 5),
            ("Council", "L4", 1, False, "2025-03-31", 2),
            ("Council", "", 1, False, "2025-03-31", 6),
            ("Trust", "L1", 0, False, "2025-03-31", 1),
            ("Trust", "L5", 1, False, "2025-03-31", 10)]
    wf = pd.DataFrame(rows, columns=["anchor", "lsoa", "living_wage", "new_starter", "snapshot",
                                     "count"]).astype({"living_wage": np.int8})
    return replace(tiny.tiny_dataset(), workforce=wf)


def test_json_by_ward_network_and_each_anchor_cannot_be_combined():
    ds = wds()
    views = {who: {r["ward_code"]: r["headcount"]
                   for r in workforce_json(ds, anchors=who)["by_ward"]}
             for who in ((), ("Council",), ("Trust",))}
    assert views[("Trust",)]["W1"] == SMALL
    net_w1, council_w1 = views[()]["W1"], views[("Council",)]["W1"]
    assert not (isinstance(net_w1, int) and isinstance(council_w1, int))   # 8 - 7 would give 1
    for view in views.values():
        assert all(v is None or v == SMALL or v >= 5 for v in view.values())
    _, full, code = workforce_protection(ds)
    assert exposed(full, code) == []


def test_headline_counts_and_shares_follow_the_rules():
    result = workforce_json(wds())
    assert result["workforce"] == 31 and result["workforce_located"] == 25   # 31 - 25 = 6
    assert result["workforce_share_most_deprived"] == 8 / 25   # L1 (decile 1): 7 + 1
    assert result["workforce_local_share"] is None             # 23 of 25: 2 are not local
    assert workforce_json(wds(), anchors=("Trust",))["living_wage_share"] is None  # 10 of 11


def test_ward_export_is_never_finer_than_a_ward():
    frame = workforce_ward_frame(wds())
    assert list(frame.columns) == ["Ward code", "Ward", "Staff living here", "Anchor"]
    assert set(frame["Ward code"]) <= {"W1", "W2", "W3"}


def test_import_report_counts_postcodes_outside_the_directory(inputs, capsys, tmp_path):
    folder, files = inputs
    code, out, err = run(["import", "net", *files, "--workforce", str(folder / "staff.csv"),
                          "--root", str(tmp_path / "n")], capsys)
    assert code == 0, err
    assert "Workforce: 16 staff; located 15; not located 1 (0 with no home postcode or LSOA, " \
           "1 with a postcode not in the postcode directory)" in out
    assert "ZZ9" not in out and "13.50" not in out


def test_export_command_writes_the_levers_tables(inputs, capsys, tmp_path):
    folder, files = inputs
    root = tmp_path / "networks"
    code, _, err = run(["import", "net", *files, "--workforce", str(folder / "staff.csv"),
                        "--assets", str(folder / "estate.csv"), "--root", str(root)], capsys)
    assert code == 0, err
    for what, expect in (("staff_wards", "Staff living here"), ("sites", "Old library")):
        out = tmp_path / f"{what}.csv"
        code, _, err = run(["export", "net", "--what", what, "--out", str(out),
                            "--root", str(root)], capsys)
        assert code == 0, err
        assert expect in out.read_text(encoding="utf-8-sig")


def test_page_download_of_staff_wards_is_protected():
    """The page's download route gives the same protected counts as the map (no count < 5)."""
    from dashboard.serve.exports_routes import export_file
    from dashboard.settings import load_settings
    from dashboard.view.context import build_context
    from tests.unit.conftest import tiny_with_geometry

    ds = replace(tiny_with_geometry(), workforce=wds().workforce)
    ctx = build_context(ds, load_settings(env={}), {"wards": "/w", "lsoas": "/l"})
    data, name = export_file(ctx, "staff_wards.csv", "?anchor=Trust")
    text = data.decode("utf-8-sig")
    assert "staff_wards" in name and "Trust" in text and "<5" in text
    rows = [line.split(",") for line in text.splitlines() if line[:2] in ("W1", "W2", "W3")]
    assert rows
    assert all(r[2] in ("<5", "—") or int(r[2]) >= 5 for r in rows)

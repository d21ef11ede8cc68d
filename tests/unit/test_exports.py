"""Exports: CSV and XLSX read back intact, formula cells neutralised, individuals never named,
filters written above the table, and map images (PNG checked by eye: test-artifacts/)."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from dashboard.engine import metrics as m
from dashboard.engine.model import build_dataset
from dashboard.errors import InputError
from dashboard.ingest.store import load_dataset, save_dataset
from dashboard.output import cells
from dashboard.output import exports as e
from dashboard.output.register import register_csv_bytes
from dashboard.view.tables import supplier_rows, ward_rows
from tests import tiny
from tests.conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts"
HOSTILE = ["=1+1", "+44 20", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "=HYPERLINK(\"http://x\")"]


def squares() -> dict:
    """Drawing GeoJSON for the tiny wards: three squares side by side near Sunderland."""
    def square(code, name, x0):
        ring = [[x0, 54.85], [x0 + 0.05, 54.85], [x0 + 0.05, 54.90], [x0, 54.90], [x0, 54.85]]
        return {"type": "Feature", "id": code, "properties": {"code": code, "name": name},
                "geometry": {"type": "Polygon", "coordinates": [ring]}}
    return {"type": "FeatureCollection",
            "features": [square("W1", "North", -1.45), square("W2", "South", -1.40),
                         square("W3", "East", -1.35)]}


def tiny_ds(**meta):
    return build_dataset(tiny.transactions(), tiny.SUPPLIERS, tiny.ANCHORS, tiny.LSOAS,
                         tiny.WARDS, name="tiny", meta={"geometry": {"wards": squares()}, **meta})


def sample_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "Text": HOSTILE,
        "Amount £": [-75.0, 1234.5, -0.01, 0.0, 1e6, -250.0, 3.33],
        "Count": np.arange(7, dtype=np.int64) - 3,
        "Date": pd.to_datetime(["2024-03-31"] * 7),
    })


# --------------------------------------------------------------------------- neutralise
@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_gets_a_leading_quote(text):
    assert e.safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Acme Ltd", "", "50% off", "'quoted", -5, -5.5, 0, None,
                                   np.int64(-3), np.float64(-1.25)])
def test_other_values_are_left_alone_numbers_included(value):
    assert e.safe_cell(value) is value


@pytest.mark.parametrize("cell, safe", [
    ("=1+1", "'=1+1"), ("+44 20", "'+44 20"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Acme Ltd", "Acme Ltd"), ("", ""), (-5, -5), (None, None),
    ("a=b", "a=b"),
])
def test_safe_cell(cell, safe):
    assert cells.safe_cell(cell) == safe


def test_one_neutraliser_and_writer_for_every_export():
    """exports re-exports the one neutraliser and writers of output.cells (no copies)."""
    assert e.safe_frame is cells.safe_frame and e.safe_cell is cells.safe_cell
    assert e.to_csv_bytes is cells.to_csv_bytes and e.to_xlsx_bytes is cells.to_xlsx_bytes
    assert register_csv_bytes(pd.DataFrame({"Supplier Name": ["=x"]})) == (
        cells.to_csv_bytes(pd.DataFrame({"Supplier Name": ["=x"]})))


def test_headings_are_neutralised_too():
    frame = pd.DataFrame({"=SUM(A1)": ["a"], "Spend £": [1.5]})
    data = cells.to_csv_bytes(frame)
    assert data.decode("utf-8-sig").splitlines()[0] == "'=SUM(A1),Spend £"
    wb = load_workbook(io.BytesIO(cells.to_xlsx_bytes(frame)))
    assert [c.value for c in wb["Data"][1]] == ["'=SUM(A1)", "Spend £"]


def test_table_panel_csv_neutralises_text_cells_but_keeps_numbers(hostile_ds):
    s = m.summarise(hostile_ds)
    text = cells.to_csv_bytes(supplier_rows(s)).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    names = [r["Supplier"] for r in rows]
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in names
    assert all(not n.startswith(("=", "+", "-", "@")) for n in names)
    assert "Jane Doe" not in text and m.WITHHELD in names
    assert any(r["Spend (£)"] == "1500.0" for r in rows)
    text = cells.to_csv_bytes(ward_rows(s)).decode("utf-8-sig")
    wards = list(csv.DictReader(io.StringIO(text)))
    assert [w["Ward"] for w in wards] == ["<b>North</b>", "'+South", "East"]


# --------------------------------------------------------------------------- CSV
def test_csv_round_trip_keeps_numbers_and_neutralises_text():
    lines = ["Anchors: all", "Financial years: 2023/24", "Most deprived 10% (national reference)"]
    data = e.to_csv_bytes(sample_frame(), lines)
    assert data.startswith(b"\xef\xbb\xbf")                  # BOM: Excel reads UTF-8
    text = data.decode("utf-8-sig").splitlines()
    assert text[:4] == ["# Anchors: all", "# Financial years: 2023/24",
                        "# Most deprived 10% (national reference)", ""]
    back = pd.read_csv(io.BytesIO(data), skiprows=len(lines) + 1, encoding="utf-8-sig",
                       keep_default_na=False)
    assert list(back.columns) == ["Text", "Amount £", "Count", "Date"]
    assert back["Text"].tolist() == ["'" + h for h in HOSTILE]
    assert back["Amount £"].tolist() == [-75.0, 1234.5, -0.01, 0.0, 1e6, -250.0, 3.33]
    assert back["Count"].tolist() == [-3, -2, -1, 0, 1, 2, 3]
    assert back["Date"].tolist() == ["2024-03-31"] * 7


def test_no_cell_of_a_csv_starts_a_formula():
    data = e.to_csv_bytes(sample_frame(), ["=not a formula either"])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    text_cells = [c for c in cells if not _is_number(c)]
    assert text_cells and not [c for c in text_cells if c[:1] in "=+-@\t\r"]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- XLSX
def test_xlsx_has_filter_rows_then_a_table_of_real_numbers():
    lines = ["Anchors: Council", "Period: all dates"]
    wb = load_workbook(io.BytesIO(e.to_xlsx_bytes(sample_frame(), lines, sheet="Spend")))
    ws = wb["Spend"]
    assert [ws.cell(r, 1).value for r in (1, 2, 3)] == ["Anchors: Council", "Period: all dates",
                                                         None]
    assert [c.value for c in ws[4]] == ["Text", "Amount £", "Count", "Date"]
    assert ws.cell(4, 1).font.bold
    body = list(ws.iter_rows(min_row=5, values_only=True))
    assert [r[0] for r in body] == ["'" + h.replace("\r", "\n") for h in HOSTILE]  # XML: CR->LF
    assert [r[1] for r in body] == [-75.0, 1234.5, -0.01, 0.0, 1e6, -250.0, 3.33]
    assert [r[2] for r in body] == [-3, -2, -1, 0, 1, 2, 3]
    assert all(isinstance(r[3], datetime) for r in body)
    for row in ws.iter_rows(min_row=5):
        assert row[0].data_type == "s" and row[0].value.startswith("'")   # never a formula
        assert row[1].data_type == "n" and "£" in row[1].number_format


def test_xlsx_refuses_more_rows_than_a_sheet_holds(monkeypatch):
    monkeypatch.setattr(cells, "XLSX_MAX_ROWS", 10)
    frame = pd.DataFrame({"n": range(7)})
    assert e.to_xlsx_bytes(frame, ["a"])                 # 1 line + blank + header + 7 = 10
    with pytest.raises(InputError, match="export CSV instead"):
        e.to_xlsx_bytes(frame, ["a", "b"])


def test_xlsx_drops_characters_xml_cannot_hold():
    frame = pd.DataFrame({"Name": ["Bell\x07 Ltd", "Null\x00Co"]})
    ws = load_workbook(io.BytesIO(e.to_xlsx_bytes(frame, []))).active
    assert [c.value for c in ws["A"]] == ["Name", "Bell Ltd", "NullCo"]


# --------------------------------------------------------------------------- tables
def test_transactions_table_withholds_individuals_and_sums_to_the_total():
    ds = tiny_ds()
    t = e.transactions_table(ds, m.Filters())
    assert len(t) == len(ds.tx)
    assert round(t["Amount £"].sum() * 100) == m.summarise(ds).headline["total_spend"]
    assert "Jane Doe" not in t["Supplier"].tolist()
    individual = t[t["Supplier"] == m.WITHHELD]
    assert len(individual) == 1 and individual["Postcode"].tolist() == [""]
    assert individual["Amount £"].tolist() == [100.0]
    assert t["Date"].is_monotonic_increasing
    csv_text = e.to_csv_bytes(t, []).decode("utf-8-sig")
    assert "Jane Doe" not in csv_text and "AA2 9ZZ" not in csv_text


def test_transactions_table_applies_the_filters():
    ds = tiny_ds()
    t = e.transactions_table(ds, m.Filters(years=(2023,), anchors=("Council",)))
    expected = m.summarise(ds, m.Filters(years=(2023,), anchors=("Council",))).headline
    assert len(t) == expected["transactions"] == 5
    assert set(t["Anchor"]) == {"Council"}
    assert round(t["Amount £"].sum() * 100) == expected["total_spend"]
    assert t.loc[t["Supplier"] == "Dep One Ltd", "Ward"].tolist() == ["North", "North"]


def test_transactions_table_has_references_from_a_saved_dataset(tmp_path):
    ds = tiny_ds()
    details = pd.DataFrame({"reference": [f"R{i}" for i in range(len(ds.tx))],
                            "source_file": "spend.csv",
                            "source_line": np.arange(2, len(ds.tx) + 2)})
    save_dataset(ds, tmp_path / "net", details=details)
    t = e.transactions_table(load_dataset(tmp_path / "net"), m.Filters())
    first = t[t["Date"] == pd.Timestamp("2022-04-01")].iloc[0]
    assert (first["Reference"], first["Source file"], first["Source line"]) == (
        "R8", "spend.csv", 10)


def test_supplier_export_names_no_individual_and_keeps_the_total():
    s = m.summarise(tiny_ds())
    t = e.supplier_table_export(s)
    assert "Jane Doe" not in t["Supplier"].tolist() and m.WITHHELD not in t["Supplier"].tolist()
    last = t.iloc[-1]
    assert (last["Supplier"], last["Postcode"], last["Ward"], last["Spend £"]) == (
        e.INDIVIDUALS_ROW, "", "", 100.0)
    assert round(t["Spend £"].sum() * 100) == s.headline["total_spend"]
    assert t.columns[5] == "In most deprived 10% (national)"
    dep_one = t[t["Supplier"] == "Dep One Ltd"].iloc[0]
    assert dep_one["Spend £"] == 1400.0 and dep_one.iloc[5] == "yes"


def test_ward_export_sums_to_the_spend_placed_in_wards_and_has_deprivation():
    ds = tiny_ds()
    s = m.summarise(ds)
    t = e.ward_table_export(ds, s, m.Options())
    assert t["Ward code"].tolist() == ["W1", "W2", "W3"]          # by spend, largest first
    assert t["Spend £"].tolist() == [1800.0, 1600.0, 0.0]
    assert t["Population"].tolist() == [3000, 2000, 0]
    label = "Population share in most deprived 10% (national)"
    assert t[label].tolist()[:2] == [pytest.approx(1000 / 3000), 0.0]


def test_ward_table_file_is_the_filters_then_the_ward_table():
    ds = tiny_ds(title="Tiny network")
    s = m.summarise(ds, m.Filters(years=(2023,)))
    now = datetime(2026, 5, 2, 9, 30)
    data = e.ward_table_file(ds, s, now=now)
    lines = e.filters_text(ds, s.filters, s.options, now=now)
    assert data == e.to_csv_bytes(e.ward_table_export(ds, s, s.options), lines)
    assert "# Financial years: 2023/24" in data.decode("utf-8-sig").splitlines()
    ws = load_workbook(io.BytesIO(e.ward_table_file(ds, s, "xlsx", now=now)))["Wards"]
    assert ws.cell(1, 1).value == lines[0] and ws.cell(len(lines) + 2, 1).value == "Ward code"


def test_filters_text_states_every_choice():
    ds = tiny_ds(title="Tiny network", saved="2026-05-01T10:00:00+00:00")
    lines = e.filters_text(ds, m.Filters(years=(2023,)), m.Options(),
                           now=datetime(2026, 5, 2, 9, 30))
    assert lines == ["Data set: Tiny network (saved 2026-05-01)", "Anchors: all",
                     "Financial years: 2023/24", "Categories: all", "Capital/revenue: all",
                     "All spend (influenceable or not)", "Most deprived 10% (national reference)",
                     "Exported: 2026-05-02 09:30"]
    other = e.filters_text(ds, m.Filters(anchors=("Trust",), capital_revenue=("capital",),
                                         supplier_flags=("sme", "vcse"),
                                         influenceable_only=True),
                           m.Options(most_deprived=20, reference="local"))
    assert "Anchors: Trust" in other and "Capital/revenue: capital" in other
    assert "Suppliers: flagged SME or VCSE" in other and "Influenceable spend only" in other
    assert "Most deprived 20% (local reference: A)" in other


def test_export_filenames_are_safe():
    assert e.export_filename("../oxford tx", "csv", when=datetime(2026, 1, 2).date()) == (
        "anchor-spend-oxford-tx-2026-01-02.csv")


# --------------------------------------------------------------------------- map images
def test_no_browser_gives_a_clear_message_not_a_crash(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    ds = tiny_ds()
    fig = e.ward_map_figure(ds, m.summarise(ds))
    with pytest.raises(InputError, match="apt-get install chromium"):
        e.map_image(fig, "png")


def test_a_drawing_failure_is_an_input_error(monkeypatch):
    if not e.browser_path():
        pytest.skip("no Chromium: apt-get install chromium")
    ds = tiny_ds()
    fig = e.ward_map_figure(ds, m.summarise(ds))
    from dashboard.output import imaging

    def fail(fig, fmt, **kwargs):
        raise RuntimeError("render timed out")

    monkeypatch.setattr(imaging, "render", fail)
    with pytest.raises(InputError, match="could not draw the map image"):
        e.map_image(fig, "svg")
    with pytest.raises(InputError, match="png or svg"):
        e.map_image(fig, "gif")
    with pytest.raises(InputError, match="no map to draw"):
        e.map_image(None, "png")


"""Downloads of the current view (GET routes carrying the view's URL query) and their links: the
filters written at the top, formula-like cells neutralised, XLSX, the report, the map image."""
from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from dashboard.engine import metrics as m
from dashboard.engine.metrics import Filters
from dashboard.output import exports as ex
from dashboard.serve.app import context_of, create_app
from dashboard.settings import load_settings
from dashboard.web.callbacks import exports as cb
from dashboard.web.layout.export_panel import links_children
from tests.unit.conftest import tiny_with_geometry


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    ds = tiny_with_geometry()
    return create_app(ds, load_settings(env={}, networks_dir=str(tmp_path_factory.mktemp("n"))))


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


def csv_parts(body: bytes) -> tuple[list[str], list[list[str]]]:
    text = body.decode("utf-8-sig")
    head, _, table = text.partition("\r\n\r\n")
    return head.split("\r\n"), list(csv.reader(io.StringIO(table)))


@pytest.mark.parametrize("what", ["transactions", "wards", "suppliers"])
def test_table_csv_has_the_filters_on_top_and_matches_the_engine(client, app, what):
    ctx = context_of(app)
    year = ctx.choices.years[0]
    resp = client.get(f"/export/{what}.csv?fy={year}&x=20")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].startswith("attachment; filename=\"anchor-spend-")
    assert resp.headers["Content-Disposition"].endswith(f"-{what}-" + resp.headers[
        "Content-Disposition"].rsplit(f"-{what}-", 1)[1])
    assert resp.headers["Cache-Control"] == "no-store"
    lines, rows = csv_parts(resp.data)
    assert lines[0].startswith("# Data set: ")
    assert f"# Financial years: {m.fy_label(year)}" in lines
    assert "# Most deprived 20% (national reference)" in lines
    summary = ctx.summarise(Filters(years=(year,)), m.Options(most_deprived=20))
    expected = {"transactions": summary.headline["transactions"], "wards": len(ctx.ds.wards),
                "suppliers": len(ex.supplier_table_export(summary))}[what]
    assert len(rows) - 1 == expected


@pytest.mark.parametrize("what, column", [("suppliers", 0), ("wards", 1),
                                          ("transactions", None)])
def test_formula_like_cells_are_neutralised(hostile_ds, tmp_path, what, column):
    app = create_app(hostile_ds, load_settings(env={}, networks_dir=str(tmp_path)))
    for ext in ("csv", "xlsx"):
        body = app.server.test_client().get(f"/export/{what}.{ext}").data
        if ext == "csv":
            cells = [c for r in csv_parts(body)[1][1:] for c in r]
        else:
            ws = openpyxl.load_workbook(io.BytesIO(body)).active
            cells = [c for r in ws.iter_rows(values_only=True) for c in r if isinstance(c, str)]
        assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells), (what, ext)
        assert any(c.startswith(("'=HYPERLINK", "'+South")) for c in cells), (what, ext)


def test_xlsx_has_the_filters_then_the_table(client):
    resp = client.get("/export/wards.xlsx?ref=local")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    ws = openpyxl.load_workbook(io.BytesIO(resp.data)).active
    first = [r[0] for r in ws.iter_rows(values_only=True)]
    assert first[0].startswith("Data set: ")
    assert any(str(v).startswith("Most deprived 10% (local reference") for v in first)


def test_rejected_and_unlocated_and_unknown(client):
    assert client.get("/export/nothing.csv").status_code == 404
    sneaky = client.get("/export/..%2fmanifest.json")        # no file outside the list
    assert "Content-Disposition" not in sneaky.headers and b"transactions.arrow" not in sneaky.data
    resp = client.get("/export/unlocated.csv")
    assert resp.status_code == 200 and resp.data.decode("utf-8-sig").startswith("Supplier Name,")
    rejected = client.get("/export/rejected.csv")
    assert rejected.status_code in (200, 422)     # a data set given in code keeps no folder


def test_report_is_one_html_page_with_the_views_filters(client, app, monkeypatch):
    monkeypatch.setattr("dashboard.serve.exports_routes.report_map_svg", lambda *a, **k: None)
    year = context_of(app).choices.years[-1]
    resp = client.get(f"/report.html?fy={year}")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    body = resp.get_data(as_text=True)
    assert "<script" not in body and m.fy_label(year) in body


def test_links_follow_the_view_and_say_what_cannot_be_made(app):
    ctx = context_of(app)
    query = "?fy=2022&x=30"
    n = ctx.summary(ctx.state(query)).headline["transactions"]
    hrefs, notes = cb.link_targets(ctx, query, "/maps/", map_ok=False, map_note="why",
                                   transactions=n)
    assert hrefs["transactions.csv"] == "/maps/export/transactions.csv?fy=2022&x=30"
    assert hrefs["wards.xlsx"] == "/maps/export/wards.xlsx?fy=2022&x=30"
    assert hrefs["report.html"] == "/maps/report.html?fy=2022&x=30"
    assert "map.png" not in hrefs and notes["map"] == "why"
    hrefs, _ = cb.link_targets(ctx, "", "/", map_ok=True, map_note="", transactions=0)
    assert hrefs["map.svg"] == "/export/map.svg"
    text = json.dumps(links_children(hrefs, {}), default=lambda c: c.to_plotly_json())
    assert "Open the report" in text and "XLSX" in text


def test_too_many_rows_for_a_sheet_offers_csv_only(app, monkeypatch):
    monkeypatch.setattr(ex, "XLSX_MAX_ROWS", 3)
    ctx = context_of(app)
    n = ctx.summary(ctx.state("")).headline["transactions"]
    hrefs, notes = cb.link_targets(ctx, "", "/", map_ok=True, map_note="", transactions=n)
    assert "transactions.xlsx" not in hrefs and "use CSV" in notes["transactions"]


def test_map_image_route_gives_a_png_with_its_legend_or_says_why(client, monkeypatch):
    calls = []

    def fake(fig, fmt, **kw):
        calls.append((fmt, kw["title"], kw["lines"], kw["attribution"], fig.data[0].colorbar))
        return b"\x89PNG fake"

    monkeypatch.setattr(ex, "map_image", fake)
    resp = client.get("/export/map.png?flag=sme")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    fmt, title, lines, attribution, colorbar = calls[0]
    assert fmt == "png" and title.startswith("Spend by ward: ")
    assert "Suppliers: flagged SME" in lines and attribution
    assert colorbar.title.text == "Spend (£)"          # the legend: the page's map's own
    # what is on screen (issue 16): the view's layer, overlays and selected ward
    calls.clear()
    assert client.get("/export/map.png?layer=lsoa_decile&show=anchors&ward=W2").status_code == 200
    _fmt, title, *_rest = calls[0]
    assert title.startswith("LSOA deprivation deciles: ")
    monkeypatch.setattr(ex, "map_image", lambda *a, **k: (_ for _ in ()).throw(
        ex.InputError(ex.CHROMIUM_HINT)))
    refused = client.get("/export/map.svg")
    assert refused.status_code == 422 and b"Chromium" in refused.data

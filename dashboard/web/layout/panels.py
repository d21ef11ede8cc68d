"""The main panels: headline cards, map, drill-down, table and trend (filled in by callbacks)."""
from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.view.charts import TREND_HEIGHT
from dashboard.view.context import AppContext
from dashboard.web.ids import Id
from dashboard.web.layout.common import checklist, dropdown, labelled, radios
from layers import BASE_LAYERS, OVERLAY_LAYERS

# No "Share chart" (uploads to Plotly Cloud) or "Edit in Chart Studio": data stays on the server.
GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "showSendToCloud": False,
                "showEditInChartStudio": False, "plotlyServerURL": "",
                "modeBarButtonsToRemove": ["select2d", "lasso2d", "toImage", "sendChartToCloud",
                                           "sendDataToCloud", "editInChartStudio"]}
BLANK = {"data": [], "layout": {"xaxis": {"visible": False}, "yaxis": {"visible": False},
                                "paper_bgcolor": "#fff", "plot_bgcolor": "#fff"}}


def stage(ctx: AppContext) -> html.Div:
    """The first screen: the headline figures beside the map, with the map's key and the ward
    picker under them, then the ranked chart of the map's values.

    DOM order is what a screen reader and the Tab key meet: the headline figures, finding a ward,
    the ward picker and the map's key (one column, `stage-side`), then the map (its layer and
    overlay choices first), then the details of the chosen ward or anchor. `assets/app.css`
    places them: from 1100 px wide the map fills the left column at the screen's height with
    the details right under it, and the side column runs beside both; below that they stack in
    DOM order."""
    return html.Div(className="stage", children=[
        html.Div(className="stage-side", children=[cards_section(), key_section(ctx)]),
        map_section(ctx), drill_section(ctx), ranked_section(),
    ])


def cards_section() -> html.Section:
    """Headline figures: a list of cards (the share to the most deprived areas first and large,
    the others compact) and the sentence saying what the changes compare."""
    return html.Section(className="panel cards-panel stage-cards",
                        **{"aria-labelledby": "cards-h"}, children=[
        html.H2("Headline figures", id="cards-h", className="visually-hidden"),
        html.Ul(id=Id.CARDS, className="cards"),
        html.P(id=Id.COMPARE_NOTE, className="compare-note"),
    ])


def map_section(ctx: AppContext) -> html.Section:
    """The map: layer and overlay choices in one compact bar above it, its written summary under
    it."""
    d = ctx.defaults
    return html.Section(className="panel map-panel stage-map", **{"aria-labelledby": "map-h"},
                        children=[
        html.H2("Map of spend and deprivation", id="map-h", className="visually-hidden"),
        # groups named by a visible label (role="group"), not fieldsets: a fieldset's legend
        # cannot sit on the same line as its choices, and this bar must stay one or two lines
        html.Div(className="map-controls", children=[
            html.Div(role="group", className="map-choice", **{"aria-labelledby": "map-layer-h"},
                     children=[
                html.Span("Map layer:", id="map-layer-h", className="map-choice-label"),
                radios(Id.LAYER, [{"label": m.LABEL, "value": k} for k, m in BASE_LAYERS.items()],
                       d.layer, inline=True)]),
            html.Div(role="group", className="map-choice", **{"aria-labelledby": "map-show-h"},
                     children=[
                html.Span("Show:", id="map-show-h", className="map-choice-label"),
                checklist(Id.OVERLAYS, [{"label": m.LABEL, "value": k}
                                        for k, m in OVERLAY_LAYERS.items()], list(d.overlays),
                          inline=True)]),
        ]),
        html.Figure(className="map-figure", children=[
            html.Div(className="map-frame", children=[
                dcc.Graph(id=Id.MAP, figure=BLANK, config={**GRAPH_CONFIG, "scrollZoom": True},
                          className="map-graph", style={"height": "100%"},
                          clear_on_unhover=True),
                *attribution(ctx)]),
            html.Figcaption(id=Id.MAP_SUMMARY, className="map-summary"),
        ]),
    ])


def attribution(ctx: AppContext) -> list[html.P]:
    """The data set's attribution, on the map (boundaries and deprivation carry Crown and ONS
    copyright: the licence asks for it where the map is shown, not at the page's foot)."""
    text = str(ctx.ds.meta.get("attribution") or "")
    return [html.P(text, className="map-attribution")] if text else []


def ward_options(ctx: AppContext) -> list[dict]:
    """The wards as dropdown options, by name."""
    return sorted(({"label": n, "value": c} for c, n in
                   zip(ctx.choices.wards, ctx.choices.ward_names)), key=lambda o: o["label"])


def key_section(ctx: AppContext) -> html.Div:
    """Beside the map: finding a ward or postcode, the ward picker, and the map's key (legend
    with its numbers)."""
    ward_opts = sorted(({"label": n, "value": c} for c, n in
                        zip(ctx.choices.wards, ctx.choices.ward_names)),
                       key=lambda o: o["label"])
    return html.Div(className="panel stage-key", children=[
        labelled("Find a ward or postcode", Id.SEARCH,
                 dcc.Dropdown(id=Id.SEARCH, options=[], value=None, className="dropdown",
                              placeholder="Type a ward name or postcode", clearable=True,
                              maxHeight=320),
                 hint="The map zooms to the ward found."),
        labelled("Ward (or click the map)", Id.WARD,
                 dropdown(Id.WARD, ward_opts, None, multi=False, placeholder="No ward selected")),
        html.Aside(id=Id.LEGEND, className="legend", **{"aria-label": "Map legend"}),
    ])


def ranked_section() -> html.Div:
    """A ranked bar chart of the values the map shows."""
    return html.Div(className="panel ranked stage-ranked", children=[
        html.H3("Values shown on the map", id=Id.RANKED_HEADING),
        dcc.Graph(id=Id.RANKED, figure=BLANK, config={**GRAPH_CONFIG, "displayModeBar": False},
                  className="ranked-graph", style={"height": "200px"}),
    ])


def drill_section(ctx: AppContext) -> html.Section:
    """Details for the selected ward and/or an anchor: top suppliers, categories, trend."""
    return html.Section(className="panel drill-panel", **{"aria-labelledby": "drill-h"}, children=[
        html.H2("Details", id="drill-h"),
        html.P("Choose a ward on the map or in the Ward list, and/or an anchor here.",
               className="hint"),
        labelled("Anchor", Id.DETAIL_ANCHOR,
                 dropdown(Id.DETAIL_ANCHOR, [{"label": a, "value": a} for a in ctx.choices.anchors],
                          None, multi=False, placeholder="No anchor selected")),
        html.Div(id=Id.DRILL, className="drill", **{"aria-live": "polite"}),
        html.Div(className="compare", children=[
            labelled("Compare the selected ward with", Id.COMPARE_WARD,
                     dropdown(Id.COMPARE_WARD, ward_options(ctx), None, multi=False,
                              placeholder="Another ward")),
            html.Div(id=Id.COMPARE_OUT, **{"aria-live": "polite"}),
        ]),
    ])


def table_section() -> html.Section:
    """The map's figures as a sortable table (its text alternative), with CSV downloads."""
    return html.Section(className="panel table-panel", **{"aria-labelledby": Id.TABLE_TITLE},
                        children=[
        html.H2("Table of the map's figures", id=Id.TABLE_TITLE),
        html.Div(className="button-row", children=[
            dbc.Button("Download this table (CSV)", id=Id.DOWNLOAD_BTN, type="button",
                       color="primary", class_name="button"),
            dbc.Button("Download suppliers (CSV)", id=Id.DOWNLOAD_SUPPLIERS_BTN, type="button",
                       color="primary", class_name="button"),
        ]),
        dag.AgGrid(id=Id.GRID, rowData=[], columnDefs=[], className="grid",
                   defaultColDef={"sortable": True, "resizable": True, "filter": True,
                                  "minWidth": 110, "wrapHeaderText": True,
                                  "autoHeaderHeight": True},
                   columnSize="responsiveSizeToFit",
                   # Tab leaves the grid (one Tab stop for the header, one for the cells:
                   # arrow keys move between cells), not a stop per cell
                   dashGridOptions={"tabToNextCell": {"function": "false"},
                                    "tabToNextHeader": {"function": "false"},
                                    "ensureDomOrder": True, "enableCellTextSelection": True,
                                    "suppressColumnVirtualisation": True, "animateRows": False,
                                    "domLayout": "autoHeight", "pagination": True,
                                    "paginationPageSize": 30,
                                    "paginationPageSizeSelector": [30, 100, 500]},
                   style={"width": "100%"}),
        dcc.Download(id=Id.DOWNLOAD),
    ])


def trend_section() -> html.Section:
    """Share to the most deprived areas by financial year and anchor."""
    return html.Section(className="panel trend-panel", **{"aria-labelledby": "trend-h"}, children=[
        html.H2("Share of located spend to the most deprived areas, by year", id="trend-h"),
        html.P("Every financial year is shown (the period filter is ignored here); the other "
               "filters apply. Each line is labelled at its last point.", className="hint"),
        dcc.Graph(id=Id.TREND, figure=BLANK, config={**GRAPH_CONFIG, "displayModeBar": False},
                  className="trend-graph", style={"height": f"{TREND_HEIGHT}px"}),
    ])

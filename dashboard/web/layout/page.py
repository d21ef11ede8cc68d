"""The whole page: skip link, header, filter strip, filters (<nav>), main panels, footer."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.engine.periods import fy_label
from dashboard.view.context import AppContext
from dashboard.web.ids import Id
from dashboard.web.layout.export_panel import export_section
from dashboard.web.layout.filters import filters_panel
from dashboard.web.layout.folds import folded_sections
from dashboard.web.layout.panels import stage, table_section, trend_section

INDEX_STRING = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <div class="dash-scripts">
            {%config%}
            {%scripts%}
            {%renderer%}
        </div>
    </body>
</html>"""


def page(ctx: AppContext) -> html.Div:
    """The layout tree (a function of the data set only; the URL fills in the state)."""
    return html.Div(id=Id.ROOT, className="app", children=[
        html.A("Skip to main content", href="#main", className="skip-link"),
        dcc.Location(id=Id.URL, refresh=False),
        dcc.Store(id=Id.STATE, storage_type="memory"),
        dcc.Store(id=Id.MAP_KEY, storage_type="memory"),
        dcc.Store(id=Id.MAP_VALUES, storage_type="memory"),
        dcc.Store(id=Id.MAP_RECOLOURED, storage_type="memory"),
        dcc.Store(id=Id.MAP_ZOOM, storage_type="memory"),
        dcc.Store(id=Id.MAP_ZOOMED, storage_type="memory"),
        dcc.Store(id=Id.GRID_KEY, storage_type="memory"),
        dcc.Store(id=Id.GRID_VALUES, storage_type="memory"),
        header(ctx),
        # Bootstrap's grid: filters beside the main panels from 992px (lg) up; below it, and in
        # presentation mode, the same filters are a drawer (assets/drawer.js, app.css)
        dbc.Container(fluid=True, class_name="body", children=dbc.Row(class_name="g-3", children=[
            dbc.Col(filters_panel(ctx), xs=12, lg="auto", class_name="filters-col",
                    id=Id.FILTERS_COL),
            dbc.Col(xs=12, lg=True, class_name="main-col", children=html.Main(
                id="main", tabIndex="-1", className="main", children=[
                # Bootstrap's alert look, but role="status" (polite): dbc.Alert is always
                # role="alert" (assertive), too loud for a message that follows every filter change
                html.Div(id=Id.STATUS, role="status", className="status alert alert-warning",
                         **{"aria-live": "polite"}),
                stage(ctx),
                table_section(),
                trend_section(),
                export_section(),
                *folded_sections(ctx),
            ])),
        ])),
        footer(ctx),
    ])


def title_of(ctx: AppContext) -> str:
    """The page title: the data set's own title when it has one."""
    return str(ctx.ds.meta.get("title") or "Anchor Spend Map")


def header(ctx: AppContext) -> html.Header:
    """Title, what the data set is, the fictional-data notice and the presentation toggle."""
    ds = ctx.ds
    years = ""
    if ds.years:

        years = f"{fy_label(ds.years[0])} to {fy_label(ds.years[-1])}"
    notice = []
    if ds.meta.get("fictional"):
        notice = [html.P(className="notice alert alert-warning", children=[
            html.Strong("Fictional spend. "),
            "The payments in this data set are made up for demonstration; they are not real "
            "spending by these organisations."])]
    return html.Header(className="app-header", children=[
        html.Div(className="brand", children=[
            html.H1(title_of(ctx)),
            html.P([f"Where anchor institutions' spend goes, and how much reaches the most "
                    f"deprived areas. {len(ds.anchors)} anchors, {years}. ",
                    html.A("Other data sets, import and sources", href="#data", id=Id.DATA_LINK,
                           className="header-link")], className="subtitle"),
        ]),
        html.Div(className="header-buttons", children=[
            # opens the filters as a drawer over the page's left edge (shown only where the
            # filters are not beside the page: presentation mode and narrow screens)
            html.Button("Filters", id=Id.FILTERS_OPEN, type="button",
                        className="button present-toggle filters-open",
                        **{"aria-expanded": "false", "aria-controls": Id.FILTERS_COL}),
            html.Button("Presentation mode", id=Id.PRESENT_TOGGLE, type="button",
                        className="button present-toggle", **{"aria-pressed": "false"}),
        ]),
        *notice,
        html.Div(id=Id.FILTER_STRIP, className="filter-strip", role="group",
                 **{"aria-label": "Filters in force"}),
    ])


def footer(ctx: AppContext) -> html.Footer:
    """Attribution and sources of the data set."""
    meta = ctx.ds.meta
    items = []
    if meta.get("fictional"):
        items.append(html.P("Spend figures are fictional."))
    if meta.get("attribution"):
        items.append(html.P(str(meta["attribution"]), className="attribution"))
    sources = source_lines(meta.get("sources"))
    if sources:
        items.append(html.Details([html.Summary("Sources of this data set"),
                                   html.Ul([html.Li(s) for s in sources], className="sources")]))
    items.append(html.P("Deprivation: English Indices of Deprivation (decile 1 and rank 1 = most "
                        "deprived). Shares are of located spend; \u201c\u2014\u201d means not "
                        "defined (nothing to divide by)."))
    return html.Footer(className="app-footer", children=items)


SOURCE_NAMES = {"spend": "Spend files", "suppliers": "Supplier register",
                "postcodes": "Postcode directory", "imd": "Indices of Deprivation",
                "population": "Population denominators", "wards": "Ward boundaries",
                "lsoas": "LSOA boundaries", "lsoa_lookup": "LSOA 2011 to 2021 lookup"}


def source_lines(sources) -> list[str]:
    """One line per source from the data set's manifest (a dict by kind, or a list)."""
    if isinstance(sources, dict):
        out = []
        for key, value in sources.items():
            if key.endswith("_vintage") or not value:
                continue
            line = f"{SOURCE_NAMES.get(key, key.replace('_', ' ').capitalize())}: {_names(value)}"
            vintage = sources.get(f"{key}_vintage") or sources.get(f"{key[:-1]}_vintage")
            out.append(line + (f" ({vintage})" if vintage else ""))
        return out
    if isinstance(sources, (list, tuple)):
        return [_names(s) for s in sources]
    return [str(sources)] if sources else []


def _names(value) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or ", ".join(f"{k}: {v}" for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ", ".join(_names(v) for v in value)
    return str(value)

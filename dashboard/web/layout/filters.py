"""The filter panel (a <nav> landmark): every control that changes which spend counts."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.engine import metrics as m
from dashboard.view.context import AppContext
from dashboard.view.places import district_label, district_names
from dashboard.view.text import CAPREV_NAMES
from dashboard.web.ids import Id
from dashboard.web.layout.common import checklist, dropdown, fieldset, labelled, radios

FLAG_OPTIONS = [{"label": "SMEs", "value": "sme"}, {"label": "VCSEs", "value": "vcse"}]
REFERENCE_OPTIONS = [{"label": "National (England)", "value": "national"},
                     {"label": "Local area", "value": "local"}]


def filters_panel(ctx: AppContext) -> html.Nav:
    """All filters, grouped, each with a visible label."""
    ch, d = ctx.choices, ctx.defaults
    first, _last = _date_bounds(ctx)
    home = district_names(ctx.ds.home_area(), ctx.ds.meta) or "none"
    return html.Nav(className="filters", id="filters", **{"aria-labelledby": "filters-h"},
                    children=[
        html.Div(className="filters-head", children=[
            html.H2("Filters", id="filters-h"),
            html.Button("Close", id=Id.FILTERS_CLOSE, type="button",
                        className="button secondary filters-close",
                        **{"aria-label": "Close filters"}),
        ]),
        fieldset("Anchors", checklist(Id.ANCHORS, _opts(ch.anchors), []),
                 hint="None ticked = all anchors."),
        fieldset("Financial years",
                 checklist(Id.YEARS, [{"label": m.fy_label(y), "value": y} for y in ch.years],
                           [], inline=True),
                 hint="None ticked = all years. Ticking a year clears the date range."),
        html.Fieldset(className="field dates", children=[
            html.Legend("Or a date range (clears the years)"),
            html.P(f"Day/month/year, e.g. {_uk(first)}; both ends included.", className="hint"),
            html.Div(className="date-pair", children=[
                html.Div(labelled("From", Id.DATE_FROM, _date(Id.DATE_FROM)),
                         id=f"{Id.DATE_FROM}-field", className="date-field"),
                html.Div(labelled("To", Id.DATE_TO, _date(Id.DATE_TO)),
                         id=f"{Id.DATE_TO}-field", className="date-field"),
            ]),
            html.P(id=Id.DATE_ERROR, className="field-error", **{"aria-live": "polite"}),
        ]),
        labelled("Categories", Id.CATEGORIES,
                 dropdown(Id.CATEGORIES, _opts(ch.categories), [], multi=True,
                          placeholder="All categories")),
        fieldset("Capital or revenue",
                 checklist(Id.CAPREV, [{"label": CAPREV_NAMES[c], "value": c}
                                       for c in ("revenue", "capital", "unknown")], [])),
        fieldset("Suppliers", checklist(Id.FLAGS, FLAG_OPTIONS, []),
                 hint="Only spend with suppliers flagged as these."),
        fieldset("Influenceable spend",
                 checklist(Id.INFLUENCEABLE, [{"label": "Influenceable only", "value": "yes"}],
                           ["yes"] if d.filters.influenceable_only else [])),
        fieldset("Most deprived areas",
                 radios(Id.MOST_DEPRIVED, [{"label": f"{x}%", "value": x}
                                          for x in m.MOST_DEPRIVED_CHOICES],
                        d.options.most_deprived, inline=True),
                 hint="The share of spend going to the most deprived X% of areas."),
        fieldset("Compared with", radios(Id.REFERENCE, REFERENCE_OPTIONS, d.options.reference)),
        labelled("Local area (districts)", Id.LOCAL_AREA,
                 dropdown(Id.LOCAL_AREA, [{"label": district_label(c, ctx.ds.meta), "value": c}
                                          for c in ch.districts], [], multi=True,
                          placeholder=f"Anchors' home areas: {home}"),
                 hint=f"Empty: the anchors' home areas ({home}). Districts chosen here replace "
                      f"them; choose {home} too to add to it."
                 if home != "none" else "Empty: the anchors' home areas."),
        dbc.Button("Clear all filters", id=Id.RESET, color="secondary",
                   class_name="button secondary", type="button"),
    ])


def _opts(values) -> list[dict]:
    return [{"label": str(v), "value": v} for v in values]


def _date(id_: str) -> dcc.Input:
    """A text box for a UK date (dd/mm/yyyy; ISO also accepted), applied on Enter or leaving it.

    Not `type="date"`: Dash 4.4's Input calls setSelectionRange on debounced inputs, which date
    inputs reject with an uncaught error; and text entry is the GOV.UK-recommended pattern anyway.
    """
    return dcc.Input(id=id_, type="text", debounce=True, className="date-input",
                     placeholder="dd/mm/yyyy", autoComplete="off", maxLength=10,
                     pattern=r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}")


def _uk(iso: str | None) -> str:
    return "01/04/2023" if not iso else f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"


def _date_bounds(ctx: AppContext) -> tuple[str | None, str | None]:
    """The first and last day of the data set's financial years."""
    years = ctx.ds.years
    if not years:
        return None, None
    return f"{years[0]}-04-01", f"{years[-1] + 1}-03-31"

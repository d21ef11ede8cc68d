"""The table's CSV downloads, and its rows after a filter change (`assets/grid_values.js`).

The table itself follows the view state in the panels callback (callbacks/panels.py), which
sends whole rows or only the columns that moved (`dashboard.view.grid`)."""
from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, State, dcc, no_update
from dash import ctx as dash_ctx

from dashboard.output.cells import to_csv_bytes
from dashboard.output.exports import filters_text, supplier_table_export, ward_table_file
from dashboard.view.context import AppContext
from dashboard.view.grid import current_table
from dashboard.web.ids import Id


def download(app_ctx: AppContext, which: str | None, query: str | None) -> dict | None:
    """The CSV for the clicked button (the table shown, or suppliers under the filters), with
    the filters on top, written by the one CSV writer (`dashboard.output.cells`). The ward table
    is the export panel's ward file (`dashboard.output.exports.ward_table_file`) and the
    suppliers the export panel's supplier table (`supplier_table_export`): the same columns and
    lines whichever button is used."""
    state = app_ctx.state(query)
    summary = app_ctx.summary(state)
    if which == Id.DOWNLOAD_BTN and state.layer != "lsoa_decile":
        return dcc.send_bytes(ward_table_file(app_ctx.ds, summary), "wards.csv",
                              type="text/csv")
    if which == Id.DOWNLOAD_SUPPLIERS_BTN:
        frame, name = supplier_table_export(summary), "suppliers.csv"
    elif which == Id.DOWNLOAD_BTN:
        frame, name = current_table(app_ctx, state)[1], "lsoas.csv"
    else:
        return None
    lines = filters_text(app_ctx.ds, state.filters, state.options)
    return dcc.send_bytes(to_csv_bytes(frame, lines), name, type="text/csv")


def register(app: Dash, app_ctx: AppContext) -> None:
    """Wire the download callback and the rows written in the browser."""

    # after a filter change: the rows the grid has, with the changed columns written in
    app.clientside_callback(ClientsideFunction("anchorGrid", "rows"),
                            Output(Id.GRID, "rowData", allow_duplicate=True),
                            Input(Id.GRID_VALUES, "data"), State(Id.GRID, "rowData"),
                            prevent_initial_call=True)

    @app.callback(Output(Id.DOWNLOAD, "data"), Input(Id.DOWNLOAD_BTN, "n_clicks"),
                  Input(Id.DOWNLOAD_SUPPLIERS_BTN, "n_clicks"), State(Id.STATE, "data"),
                  prevent_initial_call=True)
    def _download(_table, _suppliers, query):
        data = download(app_ctx, dash_ctx.triggered_id, query)
        return data if data is not None else no_update

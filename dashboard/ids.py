"""Component ids, declared once. Layout and callbacks refer to `Id.X`, never to a bare string."""
from __future__ import annotations

from enum import StrEnum


class Id(StrEnum):
    """Every Dash component id of the page."""

    # page state
    URL = "url"
    STATE = "view-state"
    MAP_KEY = "map-built-key"
    ROOT = "page-root"
    PRESENT_TOGGLE = "present-toggle"
    FILTER_STRIP = "filter-strip"
    STATUS = "status-message"

    # filters
    ANCHORS = "f-anchors"
    YEARS = "f-years"
    DATE_FROM = "f-date-from"
    DATE_TO = "f-date-to"
    CATEGORIES = "f-categories"
    CAPREV = "f-caprev"
    FLAGS = "f-flags"
    INFLUENCEABLE = "f-influenceable"
    MOST_DEPRIVED = "f-most-deprived"
    REFERENCE = "f-reference"
    LOCAL_AREA = "f-local-area"
    RESET = "f-reset"

    # map
    LAYER = "map-layer"
    OVERLAYS = "map-overlays"
    MAP = "map"
    LEGEND = "map-legend"
    MAP_SUMMARY = "map-summary"
    RANKED = "map-ranked"

    # cards
    CARDS = "cards"
    COMPARE_NOTE = "cards-compare"

    # drill-down
    WARD = "ward-select"
    DETAIL_ANCHOR = "detail-anchor"
    DRILL = "drilldown"

    # table
    GRID = "grid"
    TABLE_TITLE = "grid-title"
    DOWNLOAD_BTN = "download-table"
    DOWNLOAD_SUPPLIERS_BTN = "download-suppliers"
    DOWNLOAD = "download"

    # trend
    TREND = "trend"


#: The controls whose values make up the view state, keyed as in `viewmodel.state.CONTROL_KEYS`.
CONTROLS: dict[str, Id] = {
    "anchors": Id.ANCHORS,
    "years": Id.YEARS,
    "date_from": Id.DATE_FROM,
    "date_to": Id.DATE_TO,
    "categories": Id.CATEGORIES,
    "caprev": Id.CAPREV,
    "flags": Id.FLAGS,
    "influenceable": Id.INFLUENCEABLE,
    "most_deprived": Id.MOST_DEPRIVED,
    "reference": Id.REFERENCE,
    "local_area": Id.LOCAL_AREA,
    "layer": Id.LAYER,
    "overlays": Id.OVERLAYS,
    "ward": Id.WARD,
    "detail_anchor": Id.DETAIL_ANCHOR,
}

"""Component ids, declared once. Layout and callbacks refer to `Id.X`, never to a bare string."""
from __future__ import annotations

from enum import StrEnum


class Id(StrEnum):
    """Every Dash component id of the page."""

    # page state
    URL = "url"
    STATE = "view-state"
    MAP_KEY = "map-built-key"
    MAP_VALUES = "map-values"       # base layer values to recolour in place (never sent back)
    MAP_RECOLOURED = "map-recoloured"
    ROOT = "page-root"
    PRESENT_TOGGLE = "present-toggle"
    FILTER_STRIP = "filter-strip"
    STATUS = "status-message"

    # filters
    ANCHORS = "f-anchors"
    YEARS = "f-years"
    DATE_FROM = "f-date-from"
    DATE_TO = "f-date-to"
    DATE_ERROR = "f-date-error"
    CATEGORIES = "f-categories"
    CAPREV = "f-caprev"
    FLAGS = "f-flags"
    INFLUENCEABLE = "f-influenceable"
    MOST_DEPRIVED = "f-most-deprived"
    REFERENCE = "f-reference"
    LOCAL_AREA = "f-local-area"
    RESET = "f-reset"
    FILTERS_COL = "filters-col"       # the filters' column: a drawer in presentation mode
    FILTERS_OPEN = "filters-open"     # opens the drawer (assets/drawer.js)
    FILTERS_CLOSE = "filters-close"   # closes it

    # map
    LAYER = "map-layer"
    OVERLAYS = "map-overlays"
    MAP = "map"
    LEGEND = "map-legend"
    MAP_SUMMARY = "map-summary"
    RANKED = "map-ranked"
    RANKED_HEADING = "ranked-h"

    # cards
    CARDS = "cards"
    COMPARE_NOTE = "cards-compare"

    # drill-down
    SEARCH = "map-search"           # find a ward or postcode (callbacks/search.py)
    MAP_ZOOM = "map-zoom"           # [w, s, e, n] to fit the map to (assets/map_zoom.js)
    MAP_ZOOMED = "map-zoomed"
    WARD = "ward-select"
    DETAIL_ANCHOR = "detail-anchor"
    COMPARE_WARD = "compare-ward"   # a second ward to compare with (callbacks/compare.py)
    COMPARE_OUT = "compare-wards"
    DRILL = "drilldown"

    # table
    GRID = "grid"
    GRID_KEY = "grid-held"          # digests of the table and panels the page holds (State)
    GRID_VALUES = "grid-values"     # whole rows, or only the columns that changed
    TABLE_TITLE = "grid-title"
    DOWNLOAD_BTN = "download-table"
    DOWNLOAD_SUPPLIERS_BTN = "download-suppliers"
    DOWNLOAD = "download"

    # trend
    TREND = "trend"

    # download and share (layout/export_panel.py, callbacks/exports.py)
    EXPORT_LINKS = "export-links"
    EXPORT_PROGRESS = "export-progress"   # "Making the map image… 3 s" (assets/export_progress.js)
    SHARE_LINK = "share-link"
    SHARE_COPY = "share-copy"
    SHARE_STATUS = "share-status"

    # data sets, upload, column mapping, import (layout/data_panel.py, callbacks/data.py)
    DATASETS = "data-sets"
    DATASETS_REFRESH = "data-sets-refresh"
    # the plan and data sections open on demand (layout/folds.py, callbacks/folds.py)
    PLAN_OPEN = "plan-open"
    PLAN_BODY = "plan-body"
    DATA_OPEN = "data-open"
    DATA_BODY = "data-body"
    DATA_LINK = "data-link"
    UPLOADS = "upload-batch"            # written by assets/upload.js: {"batch", "seq"}
    UPLOAD_FILES_STATE = "upload-files-state"
    UPLOAD_SPEND_BTN = "upload-spend"
    UPLOAD_REGISTER_BTN = "upload-register"
    UPLOAD_PROGRESS = "upload-progress"
    UPLOAD_STATUS = "upload-status"
    UPLOAD_RESET = "upload-reset"
    UPLOAD_FILES = "upload-files"
    REMOVE_FILE = "upload-remove"       # pattern-matching type: {"type", "kind", "index"}
    MAPPING = "mapping-field"           # + "-<field>": MAPPING_IDS
    MAPPING_USED = "mapping-used"       # + "-<field>": MAPPING_USED_IDS
    MAPPING_STEP = "mapping-step"
    PREVIEW = "mapping-preview"
    CHECK = "import-check"
    ANCHOR_NAME = "import-anchor-name"
    PERIOD_FROM = "import-period-from"
    PERIOD_TO = "import-period-to"
    IMPORT_NAME = "import-name"
    IMPORT_TITLE = "import-title"
    IMPORT_ADD = "import-add"
    IMPORT_NOTE = "import-name-note"
    IMPORT_PROBLEMS = "import-problems"
    IMPORT_ERROR = "import-error"
    IMPORT_BTN = "import-start"
    JOB = "import-job"
    JOB_POLL = "import-poll"
    JOB_PROGRESS = "import-progress"
    JOB_STATUS = "import-status"
    REPORT = "import-report"


#: The column mapping step's dropdowns and "columns found" cells, one of each per spend field.
MAPPING_FIELDS = ("anchor", "date", "amount", "supplier", "supplier_id", "postcode", "category",
                  "service", "capital_revenue", "reference")
MAPPING_IDS: dict[str, str] = {f: f"{Id.MAPPING}-{f}" for f in MAPPING_FIELDS}
MAPPING_USED_IDS: dict[str, str] = {f: f"{Id.MAPPING_USED}-{f}" for f in MAPPING_FIELDS}

#: The controls whose values make up the view state, keyed as in `dashboard.view.state.CONTROL_KEYS`.
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

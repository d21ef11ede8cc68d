"""Page parts: filters, cards, map panel, drill-down, table, trend; `page` assembles them."""
from dashboard.web.layout.page import INDEX_STRING, page, title_of

__all__ = ["INDEX_STRING", "page", "title_of"]

"""Filters in, figures out: the public face of the metric contract (`../shared/spec/metrics.md`).

Every figure the page, the exports and the command line show is computed by the names below, with
numpy over a read-only `Dataset`; callers import this module (`from dashboard.engine import metrics
as m`), not the modules that implement it:

- `filters`: `Filters` (which transactions count), `Options` (how "most deprived" and "local" are
  judged), the mask they make, and the previous period;
- `deprivation`: the spec's "most deprived X%" and "local" rules, per LSOA and per supplier;
- `money`: exact sums of integer pence and the shares between them (undefined = None);
- `summaries`: `summarise`, one filter state's `Summary`, and the headline metrics;
- `tables`: per ward, anchor, year, supplier and category, and the wards' deprivation;
- `derived`: what is computed once per data set (`Dataset.derived`), never saved.
"""
from __future__ import annotations

from dashboard.engine.deprivation import (
                                          deprived_lsoas,
                                          local_area,
                                          local_deciles,
                                          most_deprived_label,
                                          supplier_classes,
)
from dashboard.engine.filters import (
                                          MOST_DEPRIVED_CHOICES,
                                          REFERENCES,
                                          Filters,
                                          Options,
                                          filter_mask,
                                          latest_year_filters,
                                          previous_period,
)
from dashboard.engine.money import EXACT_LIMIT, pounds, ratio, ratios
from dashboard.engine.periods import fy_label
from dashboard.engine.summaries import Summary, headline, summarise
from dashboard.engine.tables import (
                                          WITHHELD,
                                          anchor_table,
                                          category_table,
                                          supplier_table,
                                          trend_table,
                                          ward_deprivation_table,
                                          ward_figures,
                                          ward_table,
                                          year_table,
)

__all__ = [
    "EXACT_LIMIT", "MOST_DEPRIVED_CHOICES", "REFERENCES", "WITHHELD",
    "Filters", "Options", "Summary",
    "anchor_table", "category_table", "deprived_lsoas", "filter_mask", "fy_label", "headline",
    "latest_year_filters", "local_area", "local_deciles", "most_deprived_label", "pounds",
    "previous_period", "ratio", "ratios", "summarise", "supplier_classes", "supplier_table",
    "trend_table", "ward_deprivation_table", "ward_figures", "ward_table", "year_table",
]

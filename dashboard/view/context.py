"""What every callback needs, built once per app: the data set, settings, defaults and a cache.

The Summary cache is per app (per data set), keyed by the frozen Filters and Options, so repeated
views of the same filter state (cards, map, table, trend, drill-down all asking at once, or a user
flicking back) cost one engine run.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from dashboard.engine import metrics as m
from dashboard.engine.metrics import Filters, Options, Summary
from dashboard.engine.model import Dataset
from dashboard.settings import Settings
from dashboard.view.mapfig import MapConfig, fit_bounds, initial_view
from dashboard.view.state import Choices, ViewState, parse_query
from layers import supplier_points

CACHE_SIZE = 64


@dataclass
class AppContext:
    """The data set and everything derived from it once per app."""

    ds: Dataset
    settings: Settings
    defaults: ViewState
    choices: Choices
    map_config: MapConfig
    summarise: Callable[[Filters, Options], Summary] = field(repr=False)
    ward_codes: list[str] = field(default_factory=list, repr=False)      # by ward row
    lsoa_wards: list[str | None] = field(default_factory=list, repr=False)  # by LSOA row
    point_wards: list[str | None] = field(default_factory=list, repr=False)

    def state(self, query: str | None) -> ViewState:
        """The view state of a (canonical or hostile) query string."""
        return parse_query(query, self.choices, self.defaults)

    def summary(self, state: ViewState) -> Summary:
        return self.summarise(state.filters, state.options)


def build_context(ds: Dataset, settings: Settings, geojson_urls: dict[str, str]) -> AppContext:
    """Defaults from the settings, choices from the data set, a fresh Summary cache."""
    defaults = ViewState(options=Options(most_deprived=settings.most_deprived),
                         present=settings.presentation)

    @lru_cache(maxsize=CACHE_SIZE)
    def summarise(filters: Filters, options: Options) -> Summary:
        return m.summarise(ds, filters, options)

    cfg = MapConfig(geojson_urls=geojson_urls, tile_url=settings.tile_url,
                    tile_attribution=settings.tile_attribution, view=initial_view(ds),
                    bounds=fit_bounds(ds))
    return AppContext(ds=ds, settings=settings, defaults=defaults, choices=Choices.of(ds),
                      map_config=cfg, summarise=summarise,
                      ward_codes=[str(c) for c in ds.wards["code"]],
                      lsoa_wards=[w if isinstance(w, str) else None for w in ds.lsoas["ward"]],
                      point_wards=supplier_points.point_wards(ds))

"""Map layers, one module per layer, each with the same interface.

Every layer exposes `KEY`, `LABEL`, `GEOMETRY` ("wards", "lsoas" or None for point overlays),
`TRACES` (how many traces it draws),
`build(ds, summary, options, geojson_url) -> LayerOutput` (traces + legend) and
`values(ds, summary, options) -> dict` (the properties that change with the filters, applied to
each of the layer's traces by a `dash.Patch`; dotted keys such as "marker.size" are nested paths).
The place names (`place_labels`) are an overlay with no traces: `build` returns a map style
(`extra["map_style"]`) over its own served file (GEOMETRY "labels"), and nothing changes with the
filters. Point overlays draw plain circle markers (Scattermap, no colour or opacity arrays) and change only
`lat`, `marker.size` and `customdata` with the filters: the page moves them in place
(assets/map_recolour.js).
"""
from __future__ import annotations

from layers import (
    anchor_sites,
    asset_sites,
    lsoa_deprivation,
    place_labels,
    supplier_points,
    ward_deprivation,
    ward_spend,
    workforce_wards,
)
from layers._common import LayerOutput, Legend

#: Base layers (one at a time), in the order the page offers them.
BASE_LAYERS = {
    ward_spend.KEY: ward_spend,
    ward_deprivation.rank.KEY: ward_deprivation.rank,
    ward_deprivation.deprived.KEY: ward_deprivation.deprived,
    lsoa_deprivation.KEY: lsoa_deprivation,
    workforce_wards.KEY: workforce_wards,
}
#: Point overlays (any combination).
OVERLAY_LAYERS = {supplier_points.KEY: supplier_points, anchor_sites.KEY: anchor_sites,
                  asset_sites.KEY: asset_sites, place_labels.KEY: place_labels}

__all__ = ["BASE_LAYERS", "OVERLAY_LAYERS", "LayerOutput", "Legend", "anchor_sites",
           "asset_sites", "lsoa_deprivation", "place_labels", "supplier_points", "ward_deprivation", "ward_spend",
           "workforce_wards"]

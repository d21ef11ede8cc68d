"""What one view state changes on the drawn map: the one decision of a map update.

`map_update` compares the view state with what the page draws (the MAP_KEY record its previous
answer left: the structure key, the selected ward and a digest of each trace's values) and says
what to send, as a plain `MapUpdate`; the state callback only turns it into Dash outputs:
  - a whole figure when the structure changes (base layer, overlays, presentation mode);
  - nothing when no trace's values changed;
  - values to show in place (the MAP_VALUES store, read by `assets/map_recolour.js`) when only
    the base layer's `z` and the point overlays' values changed (the usual filter change): the
    page recolours the drawn wards and moves the circles without plotly, which would rebuild
    every layer and re-tile every polygon;
  - otherwise (a selection) trace patches for plotly to draw, which always carry the values the
    page may have shown in place, so a figure last changed in place is whole again.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from dashboard.view import mapfig
from dashboard.view.context import AppContext
from dashboard.view.digest import digest
from dashboard.view.state import ViewState

#: (trace index, {dotted property: value}): one trace's values, as `mapfig.figure_updates` gives.
TraceUpdate = tuple[int, dict[str, Any]]

#: What the page can show without plotly: the base layer's colour values (with the colour scale
#: and range of a classed layer, whose classes follow the values), and the point overlays'
#: positions (a None latitude hides a point), sizes and hover amounts.
BASE_IN_PLACE = frozenset({"z", "colorscale", "zmin", "zmax"})
POINTS_IN_PLACE = frozenset({"lat", "marker.size", "customdata"})


@dataclass(frozen=True)
class MapUpdate:
    """What to send the map for one view state; None for what does not change.

    At most one of `figure` (the whole figure), `patches` (trace values for plotly to draw) and
    `values` (the MAP_VALUES payload shown in place: {"z": base values, "points": {trace index:
    {property: values}}}) is set; `key` is the MAP_KEY record of what the page then draws."""

    figure: dict[str, Any] | None = None
    patches: tuple[TraceUpdate, ...] | None = None
    values: dict[str, Any] | None = None
    key: dict[str, Any] | None = None


def map_update(app_ctx: AppContext, state: ViewState, built: Any) -> MapUpdate:
    """What the map needs for `state`, given `built`, the MAP_KEY record of the previous update
    (None, or anything that is not one, on a page load: a whole figure)."""
    summary = app_ctx.summary(state)
    key = mapfig.structure_key(state)
    before = built if isinstance(built, dict) and built.get("structure") == key else None
    if before is None:
        fig, _legend = mapfig.build_figure(app_ctx.ds, summary, state, app_ctx.map_config,
                                           colour_bar=False)
        updates = mapfig.figure_updates(app_ctx.ds, summary, state)
        return MapUpdate(figure=fig, key=drawn(key, state.ward, updates))
    updates = mapfig.figure_updates(app_ctx.ds, summary, state,
                                    halo=before.get("ward") != state.ward)
    seen = before.get("values") if isinstance(before.get("values"), dict) else {}
    record = drawn(key, state.ward, updates, seen)
    changed = [(i, props) for i, props in updates if seen.get(str(i)) != record["values"][str(i)]]
    if not changed:
        return MapUpdate()
    points = mapfig.point_traces(state)
    values = in_place(changed, points)
    if values is not None:
        return MapUpdate(values=values, key=record)
    have = {i for i, _ in changed}
    changed += [(i, props) for i, props in updates
                if (i == 0 or i in points) and i not in have]
    return MapUpdate(patches=tuple(sorted(changed, key=lambda c: c[0])), key=record)


def in_place(changed: list[TraceUpdate], points: Collection[int]) -> dict[str, Any] | None:
    """The MAP_VALUES payload for a change the page can show in place ({"z": base values,
    "scale": {"colorscale", "zmin", "zmax"} of a classed layer, "points": {trace index:
    {property: values}}}, any part absent when unchanged), or None when any other trace or
    property changes (plotly must draw it)."""
    values: dict[str, Any] = {}
    for index, props in changed:
        if index == 0 and "z" in props and set(props) <= BASE_IN_PLACE:
            values["z"] = props["z"]
            scale = {k: props[k] for k in ("colorscale", "zmin", "zmax") if k in props}
            if scale:
                values["scale"] = scale
        elif index in points and set(props) <= POINTS_IN_PLACE:
            values.setdefault("points", {})[str(index)] = props
        else:
            return None
    return values or None


def drawn(key: str, ward: str | None, updates: list[TraceUpdate],
          earlier: dict[str, str] | None = None) -> dict[str, Any]:
    """The MAP_KEY record: structure, selected ward, and a short digest of each trace's values."""
    values = dict(earlier or {})
    for index, props in updates:
        values[str(index)] = digest(props)
    return {"structure": key, "ward": ward, "values": values}

"""The map's key (issue 16): spend in classes (quantiles, with a "no spend" class), deciles in
ten classes with "1 = most deprived", numbers on every key, and the circle-size key."""
from __future__ import annotations

import plotly.graph_objects as go
import pytest

from dashboard.engine import metrics as m
from dashboard.engine.metrics import Filters, Options
from layers import lsoa_deprivation, supplier_points, ward_deprivation, ward_spend
from layers._common import CIVIDIS, NO_SPEND, quantile_classes, stepped_scale


def colour_at(scale: list[list], zmin: float, zmax: float, v: float) -> str:
    """The colour a stepped scale gives value `v` (no value may sit on a step)."""
    t = (v - zmin) / (zmax - zmin)
    for (p0, c0), (p1, c1) in zip(scale, scale[1:]):
        if p0 < t < p1 or (t == p0 == 0) or (t == p1 == 1):
            assert c0 == c1, "a value sits on a step"
            return c0
    raise AssertionError(f"{v} outside the scale")


@pytest.mark.parametrize("values, k, expected", [
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5, [(1, 2, 2), (3, 4, 2), (5, 6, 2), (7, 8, 2), (9, 10, 2)]),
    ([0, -5, 1, 2], 5, [(1, 1, 1), (2, 2, 1)]),            # zero and credit are not classed
    ([5, 5, 5, 5, 1], 5, [(1, 1, 1), (5, 5, 4)]),          # ties stay in one class
    ([0, 0], 5, []),
    ([3], 5, [(3, 3, 1)]),
])
def test_quantile_classes(values, k, expected):
    assert quantile_classes(values, k) == expected


def test_stepped_scale_is_flat_within_each_class_and_valid_for_plotly():
    scale = stepped_scale(["#000000", "#777777", "#ffffff"], [2.5, 6.0], 0, 10)
    assert scale == [[0.0, "#000000"], [0.25, "#000000"], [0.25, "#777777"], [0.6, "#777777"],
                     [0.6, "#ffffff"], [1.0, "#ffffff"]]
    go.Choroplethmap(colorscale=scale)          # plotly accepts repeated positions


def test_spend_classes_colour_every_ward_by_its_class_and_count_every_ward(gds):
    z = [0.0, 0.0, 120.0, 900.0, 950.0, 5000.0, 12000.0, 40000.0, 41000.0, 2_000_000.0, -30.0]
    key, scale, zmin, zmax = ward_spend.classes(z)
    assert key[0] == (NO_SPEND, "No spend or net credit: 3 wards")
    assert sum(int(label.rsplit(": ", 1)[1].split()[0]) for _, label in key) == len(z)
    colours = {label: colour for colour, label in key}
    assert len(set(colours.values())) == len(key)                 # one colour per class
    by_class = {colour_at(scale, zmin, zmax, v) for v in z if v <= 0}
    assert by_class == {NO_SPEND}
    shown = [colour_at(scale, zmin, zmax, v) for v in sorted(v for v in z if v > 0)]
    assert shown == sorted(shown, key=[c for c, _ in key].index)   # darker for more spend
    assert shown[-1] == CIVIDIS[0] and shown[0] == CIVIDIS[9]
    assert any("£2.00m" in label for _, label in key)


def test_spend_layer_states_its_method_and_lists_classes_darkest_first(gds):
    s = m.summarise(gds, Filters(years=(2023,)))
    out = ward_spend.build(gds, s, s.options, "u")
    assert "quantiles" in out.legend.method and "no spend" in out.legend.method
    assert out.legend.classes[0][1].startswith("£")
    trace = out.traces[0]
    assert trace["zauto"] is False and trace["colorscale"] == ward_spend.values(
        gds, s, s.options)["colorscale"]
    for v in trace["z"]:                        # every ward coloured by its class
        colour_at(trace["colorscale"], trace["zmin"], trace["zmax"], v)


def test_empty_result_is_all_no_spend_never_a_range_around_zero(gds):
    key, scale, zmin, zmax = ward_spend.classes([0.0, 0.0, 0.0])
    assert key == [(NO_SPEND, "No spend (£0): 3 wards")]
    assert {c for _, c in scale} == {NO_SPEND} and (zmin, zmax) == (0.0, 1.0)


def test_deciles_are_ten_classes_with_one_most_deprived(gds):
    s = m.summarise(gds)
    out = lsoa_deprivation.build(gds, s, Options(), "u")
    trace = out.traces[0]
    labels = [label for _, label in out.legend.classes]
    assert len(labels) == 10 and labels[0].startswith("1 = most deprived")
    assert labels[-1].startswith("10 = least deprived")
    assert [c for c, _ in out.legend.classes] == CIVIDIS
    for d in range(1, 11):
        assert colour_at(trace["colorscale"], trace["zmin"], trace["zmax"], d) == CIVIDIS[d - 1]


def test_continuous_layers_give_numbers_at_both_ends(gds):
    s = m.summarise(gds)
    legend = ward_deprivation.rank.build(gds, s, Options(), "u").legend
    z = [v for v in ward_deprivation.rank.values(gds, s, Options())["z"] if v is not None]
    assert legend.dark.endswith(f"{min(z):,.0f}") and legend.light.endswith(f"{max(z):,.0f}")


def test_size_key_uses_the_maps_own_circle_sizes(gds):
    s = m.summarise(gds)
    key = supplier_points.size_key(gds, s)
    assert key and key[0][1] <= supplier_points.MAX_SIZE
    assert [d for _, d in key] == sorted((d for _, d in key), reverse=True)
    drawn = supplier_points.values(gds, s, s.options)["marker.size"]
    top = float(s.sup_spend[supplier_points.points(gds)].max())
    assert max(drawn) == pytest.approx(supplier_points.diameter(top, top), abs=0.05)
    assert all(str(a)[1:].strip("0") == "" for a, _ in key)        # round amounts: 1 figure
    assert supplier_points.size_key(gds, m.summarise(gds, Filters(years=(1990,)))) == []


def test_colour_bar_of_the_map_image_writes_money_as_the_page_does(gds):
    from dashboard import fmt

    s = m.summarise(gds)
    bar = ward_spend.build(gds, s, s.options, "u").traces[0]["colorbar"]
    assert "tickformat" not in bar
    assert bar["ticktext"] == [fmt.money(int(round(v * 100)), compact=True)
                               for v in bar["tickvals"]]
    assert bar["ticktext"][0] == fmt.money(0, compact=True)


def test_map_image_shows_what_is_on_screen(gds):
    from dashboard.output.exports import ward_map_figure
    from dashboard.view.state import ViewState

    s = m.summarise(gds)
    plain = ward_map_figure(gds, s)
    assert [t.type for t in plain.data] == ["choroplethmap"] + ["scattermap"] * (
        len(plain.data) - 1) and plain.data[0].name == "Spend by ward"
    view = ViewState(layer="lsoa_decile", overlays=("anchors",), ward="W2")
    shown = ward_map_figure(gds, s, view=view)
    assert shown.data[0].name == "LSOA deprivation deciles"
    assert list(shown.data[1].locations) == [list(gds.wards["code"]).index("W2")]   # outlined
    assert len(shown.data) == 3 + 2                  # base, halo (two), anchor sites (two)


def test_the_report_map_follows_the_page(gds, monkeypatch):
    from dashboard.output import printable
    from dashboard.view.state import ViewState

    drawn = []
    monkeypatch.setattr(printable, "map_image",
                        lambda fig, fmt, **k: drawn.append(fig) or b"<svg></svg>")
    s = m.summarise(gds)
    svg = printable.report_map_svg(gds, s.filters, s.options,
                                   view=ViewState(layer="lsoa_decile", ward="W2"))
    assert svg == "<svg></svg>" and drawn[0].data[0].name == "LSOA deprivation deciles"
    html = printable.report_html(gds, s.filters, s.options, svg,
                                 map_label="lsoa deprivation deciles")
    assert "<h2>Map: lsoa deprivation deciles</h2>" in html
    assert "<h2>Map: spend by ward</h2>" in printable.report_html(gds, s.filters, s.options, svg)

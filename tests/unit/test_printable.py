"""The one-page report: escaped text, individuals never named, figures as the engine gives them,
the map embedded safely, and one A4 page when printed by Chromium."""
from __future__ import annotations

import base64
import re
from datetime import datetime
from html.parser import HTMLParser

from dashboard import fmt
from dashboard.engine import metrics as m
from dashboard.engine.model import build_dataset
from dashboard.output import printable as p
from tests import tiny
from tests.unit.test_exports import squares

NOW = datetime(2026, 5, 2, 9, 30)
SCRIPT = "<script>alert('x')</script>"


def hostile():
    """The tiny network with markup in supplier, anchor-facing and ward names."""
    sup = tiny.SUPPLIERS.copy().astype({"name": object, "display_name": object})
    sup.loc[0, ["name", "display_name"]] = f"{SCRIPT} Dep One"
    sup.loc[2, ["name", "display_name"]] = '"><img src=x onerror=alert(1)>'
    wards = tiny.WARDS.assign(name=["<b>North</b>", "South & Co", "East"])
    return build_dataset(tiny.transactions(), sup, tiny.ANCHORS, tiny.LSOAS, wards, name="hostile",
                         meta={"title": "Net <i>work</i>", "geometry": {"wards": squares()},
                               "sources": {"spend": [{"name": "<x>.csv"}]}})


class Tags(HTMLParser):
    """Every tag and attribute name the browser would see."""

    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [a for a, _ in attrs]


def parsed(html: str) -> Tags:
    t = Tags()
    t.feed(html)
    return t


def test_names_with_markup_are_shown_as_text():
    html = p.report_html(hostile(), m.Filters(), m.Options(), None, now=NOW)
    tags = parsed(html)
    assert "script" not in tags.tags and "img" not in tags.tags and "i" not in tags.tags
    assert not [a for a in tags.attrs if a.startswith("on")]
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Dep One" in html
    assert "&lt;b&gt;North&lt;/b&gt;" in html and "Net &lt;i&gt;work&lt;/i&gt;" in html


def test_individuals_are_never_named_but_counted():
    ds = hostile()
    html = p.report_html(ds, m.Filters(), m.Options(), None, now=NOW)
    assert "Jane Doe" not in html and "AA2 9ZZ" not in html
    assert "Payments to individuals (£100)" in html


def test_headline_figures_state_x_reference_and_change():
    ds = hostile()
    html = p.report_html(ds, m.Filters(years=(2023,)), m.Options(), None, now=NOW)
    h = m.summarise(ds, m.Filters(years=(2023,))).headline
    assert fmt.money(h["total_spend"], places=0) in html
    assert fmt.share(h["share_most_deprived"]) in html
    assert "most deprived 10% (national reference)" in html
    # 2023/24: deprived 800 of located 2050.50 (39.0%); 2022/23: 600 of 1600 (37.5%)
    assert "£800 of located spend. Change from 2022/23: +1.5 points" in html
    assert "Financial years: 2023/24" in html and "2 May 2026, 09:30" in html
    local = p.report_html(ds, m.Filters(), m.Options(most_deprived=20, reference="local"), None,
                          now=NOW)
    assert "Most deprived 20% (local reference: A)" in local


def test_top_suppliers_in_and_outside_the_most_deprived_areas():
    html = p.report_html(hostile(), m.Filters(), m.Options(), None, now=NOW)
    inside = html[html.index("Top 10 suppliers in"):html.index("Top 10 suppliers outside")]
    outside = html[html.index("Top 10 suppliers outside"):]
    assert "Dep One" in inside and "Dep Two CIC" not in inside     # L2 is decile 2
    assert "Far Ltd" in outside and "Dep Two CIC" in outside
    assert "Nowhere Ltd" not in html                               # not located: in neither
    assert outside.index("img src") < outside.index("Dep Two CIC") < outside.index("Far Ltd")


def test_map_svg_is_embedded_as_an_image_that_cannot_run_scripts():
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">{SCRIPT}</svg>'
    html = p.report_html(hostile(), m.Filters(), m.Options(), svg, now=NOW)
    found = re.search(r"src='data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)'", html)
    assert found and base64.b64decode(found.group(1)).decode() == svg
    assert "onload" not in html and "<svg" not in html
    without = p.report_html(hostile(), m.Filters(), m.Options(), None, now=NOW)
    assert "No map image in this report" in without


def test_report_is_self_contained_with_print_css_and_sources():
    html = p.report_html(hostile(), m.Filters(), m.Options(), None, now=NOW)
    tags = parsed(html)
    assert "link" not in tags.tags and "script" not in tags.tags
    assert not re.search(r"(?:src|href)=['\"]?https?:", html)
    assert "@page { size: A4 portrait" in html and "@media print" in html
    assert "Spend files: &lt;x&gt;.csv." in html and "Open Government Licence" in html

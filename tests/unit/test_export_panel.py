"""The export panel's progress hooks (issue 16, item 5): a status line that is announced, and
the slow links (map image, report) marked for assets/export_progress.js."""
from __future__ import annotations

from dashboard.web.ids import Id
from dashboard.web.layout.export_panel import (
    MAP_PROGRESS,
    REPORT_PROGRESS,
    TABLES,
    export_section,
    links_children,
)


def walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            yield from walk(child)


def hrefs(with_map: bool = True) -> dict[str, str]:
    out = {f"{what}.{ext}": f"/export/{what}.{ext}" for what, _ in TABLES for ext in ("csv", "xlsx")}
    if with_map:
        out |= {"map.png": "/export/map.png", "map.svg": "/export/map.svg"}
    return out | {"report.html": "/report.html"}


def test_the_panel_has_an_announced_status_line_for_progress():
    (line,) = [c for c in walk(export_section()) if getattr(c, "id", None) == Id.EXPORT_PROGRESS]
    assert line.role == "status"
    props = line.to_plotly_json()["props"]
    assert props["aria-live"] == "polite"
    assert "aria-atomic" not in props      # only the words are announced, not every second


def test_the_map_image_and_report_links_carry_what_to_say_while_they_are_made():
    links = [c for c in walk(links_children(hrefs(), {})[0]) if c.__class__.__name__ == "A"]
    said = {c.to_plotly_json()["props"].get("aria-label"): c.to_plotly_json()["props"].get(
        "data-progress") for c in links}
    assert said["Map image as PNG"] == said["Map image as SVG"] == MAP_PROGRESS
    assert said["Open the one-page report in a new tab"] == REPORT_PROGRESS
    # tables are quick: followed as plain downloads
    assert said["Wards as CSV"] is None

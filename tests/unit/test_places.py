"""District names where codes appeared (issue 16): the dropdown, its hint, the filter strip,
the LSOA table, the report and the files."""
from __future__ import annotations

from dashboard.engine.metrics import Options
from dashboard.output.exports import deprivation_text
from dashboard.settings import load_settings
from dashboard.view.context import build_context
from dashboard.view.places import district_label, district_name, district_names
from dashboard.view.tables import lsoa_rows
from dashboard.web.ids import Id
from dashboard.web.layout.filters import filters_panel
from tests.synthetic import synthetic_dataset


def test_names_for_codes_of_every_vintage():
    assert district_name("E08000024") == "Sunderland"
    assert district_name("E06000047") == "County Durham"
    assert district_name("E06000066") == "Somerset"             # 2023 district (2024 lookup)
    assert district_label("E08000024") == "Sunderland (E08000024)"
    assert district_names(["E08000024", "E08000037"]) == "Sunderland, Gateshead"


def test_unknown_codes_stay_codes_or_take_the_data_sets_own_name():
    assert district_name("X99") == "X99" and district_label("X99") == "X99"
    assert district_name("X99", {"district": "X99", "place": "Toytown"}) == "Toytown"


def test_lsoa_table_names_the_district_beside_its_code():
    ds = synthetic_dataset()
    rows = lsoa_rows(ds, Options())
    code = rows["District code"].iloc[0]
    assert rows["District"].iloc[0] == district_name(code, ds.meta)
    assert list(rows.columns[:3]) == ["LSOA", "District", "District code"]


def test_files_name_the_local_area():
    ds = synthetic_dataset()
    text = deprivation_text(ds, Options(reference="local", local_area=("E08000024",)))
    assert "local reference: Sunderland (E08000024)" in text


def _find(component, id_):
    if getattr(component, "id", None) == id_:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            hit = _find(child, id_)
            if hit is not None:
                return hit
    return None


def test_local_area_dropdown_lists_names_and_says_choosing_replaces_the_home_areas():
    ds = synthetic_dataset()
    ctx = build_context(ds, load_settings(env={}), {"wards": "w", "lsoas": "l"})
    nav = filters_panel(ctx)
    drop = _find(nav, Id.LOCAL_AREA)
    labels = {o["value"]: o["label"] for o in drop.options}
    assert labels and all(label == district_label(code, ds.meta) for code, label in labels.items())
    home = district_names(ds.home_area(), ds.meta)
    assert home in drop.placeholder
    text = str(nav)
    assert f"Empty: the anchors' home areas ({home}). Districts chosen here replace them" in text


def test_card_definitions_are_the_reports_words():
    from dashboard.engine import metrics as m
    from dashboard.output.printable import _cards
    from dashboard.view.cards import DEFINITIONS, definition, headline_cards

    ds = synthetic_dataset()
    s = m.summarise(ds)
    cards, _ = headline_cards(s, lambda f, o: m.summarise(ds, f, o), ds)
    assert {c.key for c in cards} == set(DEFINITIONS)
    report = _cards(ds, s, s.filters, s.options)
    for c in cards:
        assert c.definition == definition(c.key, s.options.most_deprived) != ""
        assert c.definition.replace("'", "&#x27;") in report
    assert "most deprived 10% of areas" in definition("deprived", 10)
    assert "business rates" in definition("total", 10)          # what influenceable leaves out

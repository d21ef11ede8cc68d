"""The influenceable-spend rule and anchor types (dashboard/ingest/rules.py)."""
from __future__ import annotations

import doctest

import pandas as pd
import pytest

from dashboard.ingest import rules


@pytest.mark.parametrize("category, service, supplier, expected", [
    ("Construction", "Estates", "Alpha Builders Ltd", True),
    ("VAT Pro Forma Invoices", "General Fund", "Atkins Limited", False),
    ("Catering", "Corporate", "HMRC", False),
    ("Pension Contributions", "Finance", "Tyne and Wear Pension Fund", False),
    ("Grants", "Community", "Oxford Homeless Pathways", True),
    ("Creditors - BACS", "Suspense", "Artswork", False),
    ("Services", "Finance", "Oxfordshire County Council", False),
    ("", "", "", True),
])
def test_influenceable_excludes_payments_that_are_not_procurement(category, service, supplier,
                                                                  expected):
    got = rules.influenceable(pd.Series([category]), pd.Series([service]), pd.Series([supplier]))
    assert got.tolist() == [expected]


def test_influenceable_matches_repeated_rows_alike():
    cat = pd.Series(["IT", "VAT", "IT", None])
    got = rules.influenceable(cat, pd.Series(["a"] * 4), pd.Series(["x"] * 4))
    assert got.tolist() == [True, False, True, True]


@pytest.mark.parametrize("name, kind", [
    ("Sunderland City Council", "council"), ("OCC", "council"),
    ("South Tyneside and Sunderland NHS Foundation Trust", "nhs"),
    ("University of Sunderland", "university"), ("Sunderland College", "college"),
    ("Northumbria Police", "police"), ("Gentoo Homes", "housing"), ("Acme", "other"),
])
def test_anchor_type_from_name(name, kind):
    assert rules.anchor_type(name) == kind


def test_docstring_examples():
    assert doctest.testmod(rules).failed == 0

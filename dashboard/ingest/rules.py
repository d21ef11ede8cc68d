"""Classification rules the spec leaves to judgement, kept in one place and written down.

- "Influenceable" spend: what an anchor could redirect through its own procurement. Following the
  usual community-wealth-building practice (CLES spend analyses), payments that are not procurement are
  excluded: tax and duty (HMRC, VAT, national insurance), precepts and levies, pensions and payroll,
  benefits and refunds, business rates, and payments to other public bodies. The rule matches words in
  the category, the service area and the supplier name; it is a default, visible in the docs.
- Anchor type from its name when no anchor table says otherwise.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

NOT_INFLUENCEABLE = re.compile(
    r"\b(?:hmrc|h\.m\. revenue|inland revenue|vat\b|national insurance|pension|payroll|salar|wages|"
    r"precept|levy|levies|business rates|nndr|council tax|housing benefit|benefit payment|refund|"
    r"suspense|inter[- ]?authority|county council|city council|borough council|district council|"
    r"nhs (?:trust|england|foundation)|department for|police and crime commissioner|"
    r"environment agency|difference a/c|c\.i\.t)",
    re.IGNORECASE,
)

ANCHOR_TYPES = (
    ("nhs", re.compile(r"\b(nhs|trust|hospital|health|clinical commissioning|icb)\b", re.I)),
    ("university", re.compile(r"\buniversity\b", re.I)),
    ("college", re.compile(r"\bcollege\b", re.I)),
    ("police", re.compile(r"\b(police|constabulary|crime commissioner)\b", re.I)),
    ("fire", re.compile(r"\bfire\b", re.I)),
    ("housing", re.compile(r"\b(housing|homes)\b", re.I)),
    ("council", re.compile(r"\b(council|borough|authority|occ)\b", re.I)),
)


def influenceable(category: pd.Series, service: pd.Series, supplier: pd.Series) -> np.ndarray:
    """True where a transaction is procurement the anchor could influence (see module doc)."""
    text = (category.fillna("").astype(str) + " | " + service.fillna("").astype(str) + " | "
            + supplier.fillna("").astype(str))
    codes, uniques = pd.factorize(text)  # ledgers repeat combinations: match each once
    matched = pd.Series(uniques).str.contains(NOT_INFLUENCEABLE, regex=True).to_numpy(bool)
    return ~matched[codes]


def anchor_type(name: str) -> str:
    """A best guess of an anchor's type from its name ("other" when nothing matches).

    >>> anchor_type("Sunderland City Council"), anchor_type("City Hospitals NHS Foundation Trust")
    ('council', 'nhs')
    """
    for kind, pattern in ANCHOR_TYPES:
        if pattern.search(name or ""):
            return kind
    return "other"

"""The read-only data set: what the metrics engine works on, loaded once and shared by every worker.

A `Dataset` holds tables (anchors, suppliers, LSOAs, wards) as pandas frames for display, and the
transactions as plain numpy arrays with integer codes, because every filter change walks all of them.
Money is integer pence throughout. Nothing here is ever mutated after `build_dataset` returns: arrays are
flagged read-only so that a callback that tried would fail loudly instead of leaking between users.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from dashboard.engine.derived import Derived

#: Codes of `Transactions.caprev`.
CAPREV_LABELS = ("unknown", "revenue", "capital")
#: Codes of the supplier flags (`sme`, `vcse`, `individual`): -1 unknown, 0 false, 1 true.
UNKNOWN, NO, YES = -1, 0, 1


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class Transactions:
    """One entry per accepted spend row, as parallel arrays (codes index the Dataset's tables)."""

    anchor: np.ndarray        # int16, index into Dataset.anchors
    supplier: np.ndarray      # int32, index into Dataset.suppliers
    amount: np.ndarray        # int64 pence, negative = credit note
    day: np.ndarray           # int32 days since 1970-01-01
    fy: np.ndarray            # int16 index into Dataset.years
    category: np.ndarray      # int32 index into Dataset.categories
    service: np.ndarray       # int32 index into Dataset.services
    caprev: np.ndarray        # int8, see CAPREV_LABELS
    influenceable: np.ndarray  # bool
    group: np.ndarray         # int32: fy * n_anchors + anchor, the engine's grouping key

    def __len__(self) -> int:
        return int(self.amount.shape[0])


@dataclass(frozen=True)
class Dataset:
    """A network's spend, suppliers and geography, ready for the metrics engine.

    Tables:
    - anchors: `name`, `type`, `home_area` (tuple of district codes), `sites` (tuple of postcodes)
    - suppliers: `key`, `name`, `display_name` (None for individuals), `postcode`, `lat`, `lon`,
      `lsoa`, `lad`, `ward`, `sme`, `vcse`, `individual` (-1/0/1), `located` (bool)
    - lsoas: the deprivation file, one row per LSOA: `lsoa`, `lad`, `imd_rank`, `imd_decile`, other
      domains' `<domain>_rank`/`_decile` where present, `population` (0 when unknown), `ward` (code or
      None: the ward the LSOA is assigned to)
    - wards: `code`, `name` for the loaded ward boundaries (order = ward index)
    """

    anchors: pd.DataFrame
    suppliers: pd.DataFrame
    lsoas: pd.DataFrame
    wards: pd.DataFrame
    tx: Transactions
    years: tuple[int, ...]            # financial year start years, ascending
    categories: tuple[str, ...]
    services: tuple[str, ...]
    name: str = "data set"
    #: Provenance only (title, sources, folder, drawing geometry ...); derived data is `derived`.
    meta: dict = field(default_factory=dict, compare=False)
    #: The workforce lever, counts only (None when no workforce was imported): `anchor`, `lsoa`
    #: ("" when not located), `living_wage` (-1 unknown, 0, 1), `new_starter` (bool),
    #: `snapshot` ("YYYY-MM-DD"), `count` (int64). No postcode or pay is ever held here.
    workforce: pd.DataFrame | None = field(default=None, compare=False)
    #: The land and assets lever, one row per site (None when no estate was imported); columns
    #: in `dashboard/ingest/io/assets.py` (SITE_COLUMNS).
    assets: pd.DataFrame | None = field(default=None, compare=False)

    @cached_property
    def derived(self) -> Derived:
        """What the engine derives from this data set (made once, never saved): see `Derived`."""
        return Derived(self)

    # Supplier-level arrays derived once (the engine gathers from these).
    @cached_property
    def sup_located(self) -> np.ndarray:
        return _frozen(self.suppliers["located"].to_numpy(bool))

    @cached_property
    def sup_lsoa(self) -> np.ndarray:
        """Index of each supplier's LSOA in `lsoas`, -1 when not located or not in the index."""
        return _frozen(_index_of(self.suppliers["lsoa"], self.lsoas["lsoa"]))

    @cached_property
    def sup_ward(self) -> np.ndarray:
        return _frozen(_index_of(self.suppliers["ward"], self.wards["code"]))

    @cached_property
    def sup_lad(self) -> np.ndarray:
        return _frozen(self.suppliers["lad"].fillna("").to_numpy(object).astype(str))

    def sup_flag(self, name: str) -> np.ndarray:
        return self.suppliers[name].to_numpy(np.int8)

    @cached_property
    def lsoa_ward(self) -> np.ndarray:
        return _frozen(_index_of(self.lsoas["ward"], self.wards["code"]))

    @property
    def n_anchors(self) -> int:
        return len(self.anchors)

    @property
    def n_suppliers(self) -> int:
        return len(self.suppliers)

    def home_area(self, anchors: list[str] | None = None) -> tuple[str, ...]:
        """Union of the home areas of the given anchors (all anchors when None)."""
        rows = self.anchors if anchors is None else self.anchors[self.anchors["name"].isin(anchors)]
        codes = sorted({c for area in rows["home_area"] for c in area})
        return tuple(codes)


def _index_of(values: pd.Series, table: pd.Series) -> np.ndarray:
    """Position of each value in `table` (-1 when missing or None)."""
    lookup = pd.Index(table.astype(object))
    idx = lookup.get_indexer(values.astype(object).where(values.notna(), None))
    return idx.astype(np.int32)


def _codes(values: pd.Series) -> tuple[np.ndarray, tuple[str, ...]]:
    """Integer codes for a text column, with the labels sorted ("" for blanks)."""
    codes, labels = pd.factorize(values.fillna("").astype(str), sort=True)
    return codes.astype(np.int32), tuple(str(x) for x in labels)


def _caprev_codes(values: pd.Series) -> np.ndarray:
    text = values.fillna("").astype(str).str.strip().str.lower()
    out = np.zeros(len(text), np.int8)
    out[text.str.startswith("rev").to_numpy(bool)] = 1
    out[text.str.startswith("cap").to_numpy(bool)] = 2
    return out


def build_dataset(
    transactions: pd.DataFrame,
    suppliers: pd.DataFrame,
    anchors: pd.DataFrame,
    lsoas: pd.DataFrame,
    wards: pd.DataFrame,
    *,
    name: str = "data set",
    meta: dict | None = None,
) -> Dataset:
    """Freeze resolved frames into a Dataset.

    `transactions` needs `anchor` (name), `supplier_idx` (row of `suppliers`), `amount_pence`, `date`,
    and optionally `category`, `service`, `capital_revenue`, `influenceable` (default True).
    """
    anchors = anchors.reset_index(drop=True)
    anchor_idx = _index_of(transactions["anchor"], anchors["name"])
    if (anchor_idx < 0).any():
        missing = sorted(set(transactions["anchor"][anchor_idx < 0]))[:5]
        raise ValueError(f"transactions name anchors missing from the anchor table: {missing}")
    dates = pd.to_datetime(transactions["date"])
    day = (dates.to_numpy("datetime64[D]").astype(np.int64)).astype(np.int32)
    fy_years = _fy_of_days(day)
    years = tuple(int(y) for y in np.unique(fy_years)) if len(day) else ()
    fy = np.searchsorted(np.array(years, np.int64), fy_years).astype(np.int16)
    category, categories = _codes(_column(transactions, "category"))
    service, services = _codes(_column(transactions, "service"))
    infl = transactions["influenceable"].to_numpy(bool) if "influenceable" in transactions else (
        np.ones(len(transactions), bool))
    n_anchors = max(len(anchors), 1)
    tx = Transactions(
        anchor=_frozen(anchor_idx.astype(np.int16)),
        supplier=_frozen(transactions["supplier_idx"].to_numpy(np.int32)),
        amount=_frozen(transactions["amount_pence"].to_numpy(np.int64)),
        day=_frozen(day),
        fy=_frozen(fy),
        category=_frozen(category),
        service=_frozen(service),
        caprev=_frozen(_caprev_codes(_column(transactions, "capital_revenue"))),
        influenceable=_frozen(infl),
        group=_frozen(fy.astype(np.int32) * n_anchors + anchor_idx),
    )
    return Dataset(anchors=anchors, suppliers=suppliers.reset_index(drop=True),
                   lsoas=lsoas.reset_index(drop=True), wards=wards.reset_index(drop=True), tx=tx,
                   years=years, categories=categories, services=services, name=name,
                   meta=dict(meta or {}))


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name] if name in df else pd.Series([""] * len(df), index=df.index, dtype=object)


def _fy_of_days(day: np.ndarray) -> np.ndarray:
    """Financial year start year of each day number (1 April to 31 March)."""
    d = day.astype("datetime64[D]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = (d.astype("datetime64[M]").astype(np.int64) % 12) + 1
    return np.where(month >= 4, year, year - 1)


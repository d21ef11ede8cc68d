"""What the engine derives from a data set: computed once, owned by the data set, never saved.

A `Dataset` is read-only and shared by every request of a worker, so whatever can be computed from
it once (the amounts as float64 for `bincount`, the unfiltered totals per supplier, which suppliers
sit in which ward) is worth keeping beside it. That is the `Derived` object of each data set,
`Dataset.derived`, made on first use:

- what depends on the data set alone is a cached property, computed when first read;
- what also depends on the `Options` (which suppliers are among the most deprived, which are local)
  goes into a small bounded cache, `Derived.options`, least recently used out first, so that a
  server that sees many option sets never grows without bound.

`Dataset.meta` keeps provenance only (title, sources, folder ...); nothing here is ever written by
`ingest.store`, except the float64 amounts, which a saved data set stores on purpose (see `weights`).
Every cached array is read-only, like the data set itself.
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from dashboard.engine.model import Dataset

#: Entries of `Derived.options`: a page uses a handful of option sets; each entry holds a few
#: per-supplier arrays (a few MB at national scale).
OPTIONS_CACHE_SIZE = 32
#: Sums of integer pence are exact in float64 below 2**53; the engine keeps a factor 2 of margin.
EXACT_LIMIT = 2**53


def frozen(a: np.ndarray) -> np.ndarray:
    """A read-only copy of `a` (cached arrays are shared by every request)."""
    a = np.array(a)
    a.flags.writeable = False
    return a


class BoundedCache:
    """A thread-safe least-recently-used cache of at most `size` entries.

    >>> c = BoundedCache(2)
    >>> c.get("a", lambda: 1), c.get("b", lambda: 2), c.get("a", lambda: 99)
    (1, 2, 1)
    >>> c.get("c", lambda: 3), len(c), "b" in c   # "b" was the least recently used
    (3, 2, False)
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a bounded cache needs room for at least one entry")
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The value for `key`, built by `build()` on a miss. The build runs outside the lock:
        two threads missing together may both build, and the values are equal."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items


class Derived:
    """The derived data of one data set (see the module docstring). Made by `Dataset.derived`.

    It refers to its data set weakly: the data set owns it, not the other way round, so a data
    set that is dropped (a re-import) is freed at once, without waiting for the cycle collector.
    """

    def __init__(self, ds: Dataset, *, options_size: int = OPTIONS_CACHE_SIZE) -> None:
        self._ds = weakref.ref(ds)
        #: Option-keyed derived data, keyed by (what, options).
        self.options = BoundedCache(options_size)
        self._memo: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def ds(self) -> Dataset:
        ds = self._ds()
        if ds is None:
            raise ReferenceError("the data set of this Derived is gone")
        return ds

    # ------------------------------------------------------------------ data set only
    @cached_property
    def anchor_names(self) -> tuple[str, ...]:
        """The anchors' names in table order (filters compare labels, not pandas cells)."""
        return tuple(self.ds.anchors["name"].tolist())

    @cached_property
    def weights(self) -> np.ndarray:
        """The amounts as read-only float64, `bincount`'s weight type (exact for integer pence
        below 2**53). A saved data set stores them beside the transactions (`use_weights`), so
        that every worker maps one shared copy instead of converting its own (80 MB per 10
        million transactions)."""
        return frozen(self.ds.tx.amount.astype(np.float64))

    def use_weights(self, weights: np.ndarray) -> None:
        """Adopt stored float64 amounts (one per transaction) instead of converting them."""
        if weights.dtype != np.float64 or weights.shape != self.ds.tx.amount.shape:
            raise ValueError("stored weights must be float64, one per transaction")
        self.__dict__["weights"] = weights

    @cached_property
    def exact_in_float(self) -> bool:
        """Whether float64 sums of these amounts are exact: the absolute total, with a factor 2
        of margin, is below 2**53 pence. Above it the engine adds integers instead."""
        return int(np.abs(self.ds.tx.amount).sum(dtype=np.float64)) < EXACT_LIMIT // 2

    @cached_property
    def by_supplier_all(self) -> tuple[np.ndarray, np.ndarray]:
        """(spend, transactions) per supplier with no filter: what an unfiltered page shows."""
        from dashboard.engine.money import per_supplier_of

        return tuple(frozen(a) for a in per_supplier_of(self.ds, None))

    @cached_property
    def ward_parts(self) -> tuple[np.ndarray, np.ndarray, tuple]:
        """(positions of the located suppliers in a loaded ward, their ward index, the ward codes
        and names as pandas arrays): what the per-ward table gathers from."""
        ds = self.ds
        pos = np.flatnonzero(ds.sup_located & (ds.sup_ward >= 0))
        base = pd.DataFrame({"ward_code": ds.wards["code"].to_numpy(object),
                             "ward_name": ds.wards["name"].to_numpy(object)})
        return (frozen(pos), frozen(ds.sup_ward[pos].astype(np.int64)),
                (base["ward_code"].array, base["ward_name"].array))

    def once(self, name: str, build: Callable[[], Any]) -> Any:
        """`build()` computed once per data set under `name`: for derived data of the layers
        above the engine (the map's drawing order, the drawn features), which the engine cannot
        name. Names are the caller's; use a module prefix."""
        with self._lock:
            if name in self._memo:
                return self._memo[name]
        value = build()
        with self._lock:
            return self._memo.setdefault(name, value)

    # ------------------------------------------------------------------ per options
    def for_options(self, what: str, options: Hashable, build: Callable[[], Any]) -> Any:
        """`build()` for `options`, kept in the bounded `options` cache under (what, options)."""
        return self.options.get((what, options), build)

"""Anchor self-assessment (`plan.md`, "Anchor self-assessment"): frameworks as data, assessments,
and the network's figures (latest level, change since the previous assessment, median).

A framework is dimensions, each with levels 1..n (1 = lowest), each level with a name and a
description; `framework_from_dict` checks a loaded one (every level from 1 to the highest present,
none twice) so that a file with a level missing is refused with a message, not half-used. An
assessment is an anchor, a date and one entry per dimension (level, evidence, next action, owner).

Choices where plan.md is silent (docs/plan.md): an anchor's "previous assessment" is its latest
earlier-dated one (same date: the earlier recorded); the change is per dimension and None where
either assessment leaves the dimension out; the network median is over the anchors' latest levels
of the dimension (the middle two averaged, so it may be a half).
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date

from dashboard.errors import InputError


@dataclass(frozen=True)
class Level:
    level: int
    name: str
    description: str = ""


@dataclass(frozen=True)
class Dimension:
    key: str
    name: str
    levels: tuple[Level, ...]

    def level_name(self, level: int | None) -> str:
        """The words of a level ("3 embedding"), "—" for none."""
        if level is None:
            return "—"
        found = next((lv for lv in self.levels if lv.level == level), None)
        return f"{level} {found.name}" if found else str(level)


@dataclass(frozen=True)
class Framework:
    name: str
    dimensions: tuple[Dimension, ...]

    def dimension(self, key: str) -> Dimension:
        for d in self.dimensions:
            if d.key == key:
                return d
        raise InputError(f"dimension {key!r} is not in the framework {self.name!r}: dimensions "
                         f"are {', '.join(d.key for d in self.dimensions)}")

    def as_dict(self) -> dict:
        return {"name": self.name, "dimensions": [
            {"key": d.key, "name": d.name, "levels": [
                {"level": lv.level, "name": lv.name, "description": lv.description}
                for lv in d.levels]} for d in self.dimensions]}


def framework_from_dict(data: object, source: str = "the framework") -> Framework:
    """A checked Framework from its JSON form; InputError saying what is wrong and where."""
    if not isinstance(data, dict) or not isinstance(data.get("dimensions"), list) or not data[
            "dimensions"]:
        raise InputError(f"{source}: a framework is an object with a name and a non-empty list "
                         "of dimensions")
    dims, keys = [], set()
    for i, d in enumerate(data["dimensions"], 1):
        if not isinstance(d, dict) or not str(d.get("name") or "").strip():
            raise InputError(f"{source}: dimension {i} has no name")
        key = str(d.get("key") or d["name"]).strip()
        if key in keys:
            raise InputError(f"{source}: dimension {key!r} appears twice")
        keys.add(key)
        raw = d.get("levels")
        if not isinstance(raw, list) or len(raw) < 2:
            raise InputError(f"{source}: dimension {d['name']!r} needs at least two levels")
        levels = []
        for lv in raw:
            try:
                number = int(lv["level"])
                name = str(lv["name"]).strip()
            except (KeyError, TypeError, ValueError):
                raise InputError(f"{source}: dimension {d['name']!r}: each level needs a number "
                                 "('level') and a name ('name')") from None
            if not name:
                raise InputError(f"{source}: dimension {d['name']!r}: level {number} has no name")
            levels.append(Level(number, name, str(lv.get("description") or "")))
        numbers = sorted(lv.level for lv in levels)
        if len(set(numbers)) != len(numbers):
            raise InputError(f"{source}: dimension {d['name']!r} gives a level twice")
        expected = list(range(1, max(numbers) + 1))
        missing = sorted(set(expected) - set(numbers))
        if missing or numbers != expected:
            what = ", ".join(map(str, missing)) if missing else "below 1"
            raise InputError(f"{source}: dimension {d['name']!r} has levels {numbers}: level "
                             f"{what} is missing (levels run 1, 2, 3 ... with 1 the lowest)")
        dims.append(Dimension(key, str(d["name"]).strip(),
                              tuple(sorted(levels, key=lambda lv: lv.level))))
    return Framework(str(data.get("name") or "Framework"), tuple(dims))


@dataclass(frozen=True)
class Entry:
    """One dimension of an assessment."""

    level: int
    evidence: str = ""
    action: str = ""
    owner: str = ""


@dataclass(frozen=True)
class Assessment:
    anchor: str
    date: date
    entries: dict[str, Entry] = field(default_factory=dict)
    id: str = ""
    recorded: str = ""   # when it was recorded (ISO timestamp): orders same-day assessments


def check_assessment(a: Assessment, framework: Framework, anchors) -> Assessment:
    """`a` when its anchor is known and each entry names a dimension of the framework at one of
    its levels; InputError otherwise."""
    if a.anchor not in set(anchors):
        raise InputError(f"anchor {a.anchor!r} is not in this data set: anchors are "
                         f"{', '.join(anchors)}")
    if not a.entries:
        raise InputError("an assessment needs a level for at least one dimension")
    for key, e in a.entries.items():
        dim = framework.dimension(key)
        top = dim.levels[-1].level
        if isinstance(e.level, bool) or not isinstance(e.level, int) or not 1 <= e.level <= top:
            raise InputError(f"{dim.name}: level {e.level!r} is not one of 1 to {top}")
    return a


@dataclass(frozen=True)
class Cell:
    """One anchor x dimension of the network view."""

    level: int | None
    previous: int | None
    change: int | None
    date: date | None


def latest(assessments: list[Assessment], anchor: str) -> tuple[Assessment | None,
                                                               Assessment | None]:
    """(latest, previous) assessment of `anchor` (None where there is none)."""
    own = sorted((a for a in assessments if a.anchor == anchor), key=lambda a: (a.date, a.recorded))
    return (own[-1] if own else None, own[-2] if len(own) > 1 else None)


def network_view(framework: Framework, assessments: list[Assessment], anchors
                 ) -> tuple[dict[tuple[str, str], Cell], dict[str, float | None]]:
    """Cells keyed by (anchor, dimension key) for every anchor and dimension, and the network
    median per dimension over the anchors' latest levels (None when no anchor has one)."""
    cells, levels = {}, {d.key: [] for d in framework.dimensions}
    for anchor in anchors:
        now, before = latest(assessments, anchor)
        for d in framework.dimensions:
            e = now.entries.get(d.key) if now else None
            p = before.entries.get(d.key) if before else None
            level = e.level if e else None
            prev = p.level if p else None
            change = level - prev if level is not None and prev is not None else None
            cells[(anchor, d.key)] = Cell(level, prev, change, now.date if now else None)
            if level is not None:
                levels[d.key].append(level)
    medians = {k: (float(statistics.median(v)) if v else None) for k, v in levels.items()}
    return cells, medians

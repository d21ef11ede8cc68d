"""The network's action plan saved with its data set: targets (every version kept), named what-if
scenarios, the self-assessment framework and the assessments, each change with who and when.

Where: a small JSON file beside the data set, not in it, so that it survives re-imports. A saved
data set NAME is a link ``ROOT/NAME`` to a version folder ``ROOT/.NAME.v...`` that every import
replaces (``versions.py``); the plan is ``ROOT/.NAME.plan.json``, which no import or prune
touches (they glob ``.NAME.v*``) and which ``list_datasets`` skips (a dot name). A data set saved
as a plain folder F (the embedded demo) has its plan at ``F/../.F.plan.json`` the same way. A data
set may ship a plan inside its folder (``plan.json``, the demo's): it is read until the first edit,
which copies it to the side file.

How: every edit is check, then (under an exclusive lock on ``.NAME.plan.lock``) read, change,
write to a temporary file, fsync and rename over the old one, so a reader sees the old plan or the
new one, and an edit that fails its checks (InputError with the reason) changes nothing.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from dashboard.engine.assessment import (
    Assessment,
    Entry,
    Framework,
    check_assessment,
    framework_from_dict,
)
from dashboard.engine.groups import check_group
from dashboard.engine.model import Dataset
from dashboard.engine.periods import fy_label
from dashboard.engine.plan import Target, check_target
from dashboard.engine.whatif import check_anchors, check_categories, check_move
from dashboard.errors import InputError

FORMAT = 1
SHIPPED = "plan.json"
DEFAULT_FRAMEWORK = Path(__file__).with_name("frameworks") / "cwb.json"
_VERSION_FOLDER = re.compile(r"^\.(?P<name>.+)\.v\d{8}T")
_TARGET_FIELDS = ("metric", "scope", "most_deprived", "reference", "baseline_year", "target_year",
                  "target_value", "owner", "note")
#: Longest free text kept (owner, note, evidence, action, names).
TEXT_LIMIT = 2000


def default_framework() -> Framework:
    """The shipped framework: the five pillars of community wealth building, four levels."""
    return framework_from_dict(json.loads(DEFAULT_FRAMEWORK.read_text(encoding="utf-8")),
                               DEFAULT_FRAMEWORK.name)


def side_path(folder: str | os.PathLike) -> Path:
    """Where the plan of the data set saved in `folder` lives (see the module docstring).

    >>> str(side_path("/d/.oxford.v20260501T120000-1234"))
    '/d/.oxford.plan.json'
    >>> str(side_path("/repo/data/demo"))
    '/repo/data/.demo.plan.json'
    """
    folder = Path(folder)
    m = _VERSION_FOLDER.match(folder.name)
    name = m["name"] if m else folder.name
    return folder.parent / f".{name}.plan.json"


@dataclass(frozen=True)
class Scenario:
    """A named what-if: the group, the categories and anchors whose spend may move, a fraction or
    an amount (pence), and the period and options it is judged with."""

    name: str
    group: str
    fraction: float | None = None
    amount: int | None = None
    categories: tuple[str, ...] = ()
    anchors: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    most_deprived: int = 10
    reference: str = "national"
    id: str = ""
    by: str = ""
    at: str = ""


@dataclass(frozen=True)
class TargetRecord:
    """A target's current version, its earlier versions (oldest first) and who changed it when."""

    target: Target
    by: str
    at: str
    history: tuple[dict, ...] = field(default_factory=tuple)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _text(value: object, what: str) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > TEXT_LIMIT:
        raise InputError(f"{what} is longer than {TEXT_LIMIT} characters: shorten it")
    return text


def _user(user: str | None) -> str:
    user = _text(user, "the user name")
    if not user:
        raise InputError("sign in to change the plan: every change records who made it")
    return user


def empty_plan() -> dict:
    return {"format": FORMAT, "targets": [], "scenarios": [], "frameworks": [],
            "assessments": []}


class PlanStore:
    """The plan of one data set (see the module docstring). `path` None: a data set with no
    folder (built in memory): its plan is the shipped one, if any, and cannot be edited."""

    def __init__(self, path: Path | None, shipped: Path | None = None) -> None:
        self.path = path
        self.shipped = shipped

    @classmethod
    def for_dataset(cls, ds: Dataset) -> PlanStore:
        folder = ds.meta.get("folder")
        if not folder:
            return cls(None)
        return cls(side_path(folder), Path(folder) / SHIPPED)

    @property
    def editable(self) -> bool:
        return self.path is not None

    # ------------------------------------------------------------------ reading
    def read(self) -> dict:
        """The plan document (an empty plan when none was saved)."""
        for path in (self.path, self.shipped):
            if path is not None and path.exists():
                try:
                    doc = json.loads(path.read_text(encoding="utf-8"))
                except ValueError as exc:
                    raise InputError(f"the saved plan {path.name} is not valid JSON ({exc}): "
                                     "restore it from a backup or remove it") from None
                if not isinstance(doc, dict) or doc.get("format") != FORMAT:
                    raise InputError(f"the saved plan {path.name} is not a plan of format "
                                     f"{FORMAT}")
                return {**empty_plan(), **doc}
        return empty_plan()

    def targets(self, doc: dict | None = None) -> list[TargetRecord]:
        """The current targets (deleted ones left out), in the order they were set."""
        out = []
        for rec in (doc or self.read())["targets"]:
            if rec.get("deleted"):
                continue
            *older, now = rec["versions"]
            out.append(TargetRecord(target_of(rec["id"], now), now.get("by", ""),
                                    now.get("at", ""), tuple(older)))
        return out

    def scenarios(self, doc: dict | None = None) -> list[Scenario]:
        return [scenario_of(s) for s in (doc or self.read())["scenarios"]
                if not s.get("deleted")]

    def framework(self, doc: dict | None = None) -> Framework:
        """The network's framework: the latest loaded, else the default."""
        frameworks = (doc or self.read())["frameworks"]
        if not frameworks:
            return default_framework()
        return framework_from_dict(frameworks[-1]["framework"], "the saved framework")

    def assessments(self, doc: dict | None = None) -> list[Assessment]:
        return [assessment_of(a) for a in (doc or self.read())["assessments"]]

    # ------------------------------------------------------------------ editing
    def add_target(self, ds: Dataset, target: Target, user: str | None) -> str:
        """Save a new target; returns its id."""
        check_target(ds, target)
        record = {**_target_fields(target), "by": _user(user), "at": _now()}
        new_id = "t-" + uuid.uuid4().hex[:10]
        with self._editing() as doc:
            doc["targets"].append({"id": new_id, "versions": [record], "deleted": None})
        return new_id

    def edit_target(self, ds: Dataset, target_id: str, target: Target, user: str | None) -> None:
        """A new version of target `target_id` (the earlier ones are kept)."""
        check_target(ds, target)
        record = {**_target_fields(target), "by": _user(user), "at": _now()}
        with self._editing() as doc:
            self._live(doc["targets"], target_id, "target")["versions"].append(record)

    def delete_target(self, target_id: str, user: str | None) -> None:
        """Mark a target deleted (its versions are kept in the file)."""
        mark = {"by": _user(user), "at": _now()}
        with self._editing() as doc:
            self._live(doc["targets"], target_id, "target")["deleted"] = mark

    def save_scenario(self, ds: Dataset, scenario: Scenario, user: str | None) -> str:
        """Save a named what-if; a scenario of the same name is replaced. Returns its id."""
        scenario = check_scenario(ds, scenario)
        by = _user(user)
        with self._editing() as doc:
            for old in doc["scenarios"]:
                if old["name"] == scenario.name and not old.get("deleted"):
                    old["deleted"] = {"by": by, "at": _now(), "replaced": True}
            new_id = "s-" + uuid.uuid4().hex[:10]
            rec = {**asdict(scenario), "id": new_id, "by": by, "at": _now(), "deleted": None}
            doc["scenarios"].append(rec)
        return new_id

    def delete_scenario(self, scenario_id: str, user: str | None) -> None:
        mark = {"by": _user(user), "at": _now()}
        with self._editing() as doc:
            self._live(doc["scenarios"], scenario_id, "scenario")["deleted"] = mark

    def set_framework(self, data: object, user: str | None, source: str = "the framework"
                      ) -> Framework:
        """Load the network's own framework (checked first; the earlier ones are kept)."""
        framework = framework_from_dict(data, source)
        by = _user(user)
        with self._editing() as doc:
            doc["frameworks"].append({"framework": framework.as_dict(), "by": by, "at": _now()})
        return framework

    def add_assessment(self, ds: Dataset, a: Assessment, user: str | None) -> str:
        """Record an assessment (checked against the framework in force and the anchors)."""
        by = _user(user)
        entries = {k: Entry(e.level, _text(e.evidence, "the evidence"),
                            _text(e.action, "the next action"), _text(e.owner, "the owner"))
                   for k, e in a.entries.items()}
        new_id = "a-" + uuid.uuid4().hex[:10]
        with self._editing() as doc:
            a = Assessment(a.anchor, a.date, entries, new_id, _now())
            check_assessment(a, self.framework(doc), list(ds.anchors["name"]))
            doc["assessments"].append({
                "id": new_id, "anchor": a.anchor, "date": a.date.isoformat(),
                "entries": {k: asdict(e) for k, e in entries.items()}, "by": by,
                "at": a.recorded})
        return new_id

    # ------------------------------------------------------------------ machinery
    @staticmethod
    def _live(records: list[dict], record_id: str, what: str) -> dict:
        for rec in records:
            if rec["id"] == record_id and not rec.get("deleted"):
                return rec
        raise InputError(f"no {what} with id {record_id!r}: it may have been deleted; reload "
                         "the page")

    @contextlib.contextmanager
    def _editing(self) -> Iterator[dict]:
        """The plan, locked for one edit: written atomically when the block ends without error."""
        if self.path is None:
            raise InputError("this data set is not saved, so its plan cannot be changed: import "
                             "it with `python -m dashboard import` first")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_suffix(".lock")
        with open(lock, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                doc = self.read()
                yield doc
                _write_atomic(self.path, doc)
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def _write_atomic(path: Path, doc: dict) -> None:
    data = json.dumps(doc, indent=1, ensure_ascii=False, default=str).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# --------------------------------------------------------------------------- records
def _target_fields(t: Target) -> dict:
    d = t.as_dict()
    return {k: d[k] for k in _TARGET_FIELDS} | {
        "owner": _text(t.owner, "the owner"), "note": _text(t.note, "the note")}


def target_of(target_id: str, record: dict) -> Target:
    """A Target from a saved version."""
    return Target(**{k: record[k] for k in _TARGET_FIELDS if k in record}, id=target_id)


def scenario_of(record: dict) -> Scenario:
    fields = {k: record.get(k) for k in ("name", "group", "fraction", "amount", "id", "by",
                                          "at")}
    return Scenario(**fields, categories=tuple(record.get("categories") or ()),
                    anchors=tuple(record.get("anchors") or ()),
                    years=tuple(int(y) for y in record.get("years") or ()),
                    most_deprived=int(record.get("most_deprived", 10)),
                    reference=str(record.get("reference", "national")))


def assessment_of(record: dict) -> Assessment:
    return Assessment(record["anchor"], date.fromisoformat(record["date"]),
                      {k: Entry(**e) for k, e in record["entries"].items()},
                      record.get("id", ""), record.get("at", ""))


def check_scenario(ds: Dataset, s: Scenario) -> Scenario:
    """`s` with its name tidied, when the data set can run it; InputError otherwise."""
    name = _text(s.name, "the scenario's name")
    if not name:
        raise InputError("give the scenario a name")
    check_group(s.group)
    check_move(s.fraction, s.amount)
    check_categories(ds, s.categories)
    check_anchors(ds, s.anchors)
    unknown = sorted(set(s.years) - set(ds.years))
    if unknown:
        raise InputError(f"financial year {', '.join(fy_label(y) for y in unknown)} has no spend"
                         f" in this data set: years are {', '.join(map(fy_label, ds.years))}")
    if s.most_deprived not in (10, 20, 30) or s.reference not in ("national", "local"):
        raise InputError("a scenario's options are most deprived 10, 20 or 30% and reference "
                         "national or local")
    return Scenario(name, s.group, s.fraction, s.amount, tuple(s.categories), tuple(s.anchors),
                    tuple(int(y) for y in s.years), s.most_deprived, s.reference, s.id, s.by,
                    s.at)

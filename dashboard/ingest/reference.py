"""Install the reference data a server needs to locate suppliers, from the files as published.

ONS publishes the postcode directory (NSPL or ONSPD) as a zip of about 200 MB holding a CSV of
about 1 GB (plus the same rows split by postcode area, and documents); MHCLG publishes the
Indices of Deprivation's File 1 as XLSX or CSV. An administrator gives those files as downloaded to
:func:`install_reference` (the command line: ``python -m dashboard reference``), which:

- finds the data CSV in the zip (the whole-UK file, else the per-area parts) and streams it out,
  never holding the zip or the CSV in memory;
- validates every file with the reader the import uses, so a wrong file fails here with what to
  do, not in an officer's import weeks later, and checks that the set fits together (the postcode
  directory's LSOAs and the index's LSOAs are of one vintage, or a lookup bridges them);
- writes the set into a new hidden version folder and switches the link ``current`` to it with
  one rename: a failed or killed run leaves the previous set in use, untouched. The set it
  replaces is kept until the next install, so an import that started before the switch (its
  paths resolved to that version) still finds its files;
- warms ``read_postcodes``' Parquet cache, so the first import from the page does not parse the
  CSV again.

Each run installs a whole set: a kind of file not given is not carried over from the set it
replaces (a population file of an older release must not sit beside a newer index).

Layout, which the default ``reference_*`` patterns find::

    reference_dir/
      current -> .ref.20261203T170102123456-4242     the installed set (one atomic link)
      .ref.20261203T170102123456-4242/
          postcodes/NSPL_FEB_2025_UK.csv  imd/File_1_....xlsx  population/File_6_...
          wards/...  lsoas/...  lsoa_lookup/...      one folder per kind given
          reference.json                             what was installed, from what, when
      .cache/postcodes-<key>.parquet                 read_postcodes' cache (page imports)
      .install.lock                                  held (flock) while an install runs
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import gzip
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from dashboard.errors import InputError
from dashboard.ingest.geo import read_lsoa_lookup
from dashboard.ingest.io.boundaries import read_boundaries
from dashboard.ingest.io.deprivation import read_imd, read_population
from dashboard.ingest.io.postcodes import read_postcodes
from dashboard.ingest.uploads import REFERENCE, configured_references

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from dashboard.settings import Settings

#: The kinds of reference file, in the order they are installed and shown.
KINDS = tuple(fld for fld, _setting, _required in REFERENCE)
REQUIRED = ("postcodes", "imd")
SETTING = {fld: setting for fld, setting, _required in REFERENCE}
LINK = "current"
CACHE = ".cache"
MANIFEST = "reference.json"
LOCK = ".install.lock"
_VERSION_PREFIX = ".ref."
CHUNK = 1 << 20
#: How much of a CSV inside a zip is read to decide whether it is the postcode directory.
SAMPLE_BYTES = 256 << 10

NSPL_SOURCE = ("the ONS Open Geography Portal (geoportal.statistics.gov.uk: search for "
               "'National Statistics Postcode Lookup'; the ONSPD works too)")
IOD_SOURCE = ("GOV.UK's English Indices of Deprivation (www.gov.uk/government/collections/"
              "english-indices-of-deprivation): 'File 1: index of multiple deprivation'")
LOOKUP_SOURCE = ("the ONS Open Geography Portal ('LSOA (2011) to LSOA (2021) to Local Authority "
                 "District (2022) Exact Fit Lookup for EW')")
#: The command an administrator runs, as the page and the messages show it.
COMMAND = ("python -m dashboard reference --postcodes NSPL_FEB_2025_UK.zip "
           "--imd File_1_IoD2025_Index_of_Multiple_Deprivation.xlsx")
_MONTH = re.compile(r"(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*[_ -]?(\d{4})",
                    re.IGNORECASE)

#: progress(what, bytes done, bytes in all): total 0 is a step whose size is not known.
Progress = Callable[[str, int, int], None]


@dataclass
class ReferenceSources:
    """The files as downloaded: ``postcodes`` zips or CSVs (plain or .gz), the rest one file
    each."""

    postcodes: list[Path]
    imd: Path
    population: Path | None = None
    wards: Path | None = None
    lsoas: Path | None = None
    lsoa_lookup: Path | None = None

    def given(self) -> dict[str, list[Path]]:
        """Kind -> the files given for it (kinds not given left out)."""
        out: dict[str, list[Path]] = {}
        for kind in KINDS:
            value = getattr(self, kind)
            paths = [Path(p) for p in (value if isinstance(value, list) else [value])
                     if p is not None]
            if paths:
                out[kind] = paths
        return out


@dataclass
class Installed:
    """What an install put in place: per kind, the files and what the reader found in them."""

    folder: Path                 # the reference folder
    version: Path                # the version folder `current` now points to
    kinds: dict[str, dict] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary_lines(self) -> list[str]:
        """One line per kind (what, files, counts, vintage), then the notes."""
        lines = [f"installed in {self.folder} ({LINK} -> {self.version.name}) in "
                 f"{self.seconds:.1f} s:"]
        for kind in KINDS:
            info = self.kinds.get(kind)
            if info is None:
                lines.append(f"  {_LABEL[kind]:<20} none")
                continue
            names = ", ".join(f["name"] for f in info["files"])
            lines.append(f"  {_LABEL[kind]:<20} {names}: {info['summary']}")
        lines += [f"note: {n}" for n in self.notes]
        return lines


#: Small files first and the postcode directory last, so that a wrong file is found before a
#: gigabyte is extracted.
_ORDER = ("imd", "population", "lsoa_lookup", "wards", "lsoas", "postcodes")
_LABEL = {"postcodes": "postcode directory", "imd": "deprivation (IMD)",
          "population": "population", "wards": "ward boundaries", "lsoas": "LSOA boundaries",
          "lsoa_lookup": "LSOA lookup"}


# --------------------------------------------------------------------------- install
def install_reference(sources: ReferenceSources, settings: Settings, *,
                      reference_dir: str | os.PathLike | None = None, warm_cache: bool = True,
                      progress: Progress | None = None) -> Installed:
    """Validate the files as downloaded and install them as the server's reference set.

    ``settings`` gives the ``reference_*`` patterns (and ``reference_dir`` unless
    ``reference_dir`` is given): after the switch they must find exactly the installed files, or
    the previous set is put back and InputError says which setting to change. InputError (with
    what to do) for a missing, wrong or damaged file; nothing in use changes until every file has
    been read successfully.
    """
    started = time.monotonic()
    report = progress or (lambda what, done, total: None)
    given = sources.given()
    for kind in REQUIRED:
        if kind not in given:
            raise InputError(f"give the {_LABEL[kind]} (--{kind.replace('_', '-')} FILE): "
                             f"the import cannot locate suppliers without it. {COMMAND}")
    for paths in given.values():
        for p in paths:
            if not p.is_file():
                raise InputError(f"{p}: no such file. Check the path.")
    for p in given["postcodes"]:
        _whole_zip(p)
    folder = Path(reference_dir if reference_dir is not None else settings.reference_dir)
    settings = replace(settings, reference_dir=str(folder))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _disk_error(exc, folder) from exc
    with _locked(folder):
        link = folder / LINK
        if link.exists() and not link.is_symlink():
            raise InputError(f"{link} is a folder this command did not make: move it out of "
                             f"{folder}, then run the command again.")
        _refuse_foreign(settings, folder, given)
        previous = _target(link)
        _remove_leftovers(folder, previous)
        version = folder / f"{_VERSION_PREFIX}{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{os.getpid()}"
        cache_dir = folder / CACHE
        caches_before = set(cache_dir.glob("postcodes-*.parquet")) if cache_dir.is_dir() else set()
        done = Installed(folder, version)
        switched = False
        try:
            version.mkdir()
            _check_space(given, folder)
            for kind in _ORDER:
                if kind == "wards":   # before the big files: do the vintages fit at all?
                    pc = {"lsoa_vintage": _sample_vintage(given["postcodes"])}
                    _fits_together({**done.kinds, "postcodes": pc})
                if kind in given:
                    done.kinds[kind] = _stage(kind, given[kind], version / kind, report,
                                              cache_dir if warm_cache else None)
            done.notes += _fits_together(done.kinds)
            _write_manifest(version, done.kinds)
            _switch(link, version)
            switched = True
            _verify(settings, done)
        except BaseException as exc:
            if switched and previous is not None:
                _switch(link, previous)
            elif switched:
                link.unlink(missing_ok=True)
            shutil.rmtree(version, ignore_errors=True)
            if cache_dir.is_dir():
                for stale in set(cache_dir.glob("postcodes-*.parquet")) - caches_before:
                    stale.unlink(missing_ok=True)
            if isinstance(exc, OSError) and exc.filename and _inside(Path(exc.filename), folder):
                raise _disk_error(exc, folder) from exc
            raise
        # the previous set stays until the next install (which removes it before it stages):
        # an import that resolved its paths before the switch still finds its files
        if warm_cache:
            _prune_caches(cache_dir, caches_before, done)
    done.seconds = time.monotonic() - started
    return done


def postcode_cache_dir(settings: Settings) -> Path | None:
    """The folder of the installed postcode directory's Parquet cache, when an install made it:
    page imports pass it to ``read_postcodes`` (None: no cache, the CSV is parsed each time)."""
    folder = Path(settings.reference_dir) / CACHE
    return folder if folder.is_dir() else None


def installed_manifest(reference_dir: str | os.PathLike) -> dict | None:
    """The ``reference.json`` of the installed set, or None when none was installed."""
    path = Path(reference_dir) / LINK / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --------------------------------------------------------------------------- the folder
@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One install per reference folder at a time (flock: released even if killed)."""
    with open(folder / LOCK, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"another `python -m dashboard reference` is installing into "
                             f"{folder}: wait for it to finish.") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _target(link: Path) -> Path | None:
    """The version folder the link points to (absolute), or None."""
    if not link.is_symlink():
        return None
    return link.parent / os.readlink(link)


def _remove_leftovers(folder: Path, keep: Path | None) -> None:
    """Version folders of runs that failed or were killed, and half-made links."""
    for entry in folder.iterdir():
        if entry.name.startswith(_VERSION_PREFIX) and (keep is None or entry.name != keep.name):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(f".{LINK}.") and entry.is_symlink():
            entry.unlink(missing_ok=True)


def _matches(settings: Settings, kind: str) -> list[Path]:
    """Files the setting of `kind` matches now (the same glob as the page's lookup)."""
    base = Path(settings.reference_dir)
    patterns = str(getattr(settings, SETTING[kind]) or "").split()
    return sorted({Path(p) for pat in patterns
                   for p in glob.glob(os.path.join(base, pat), recursive=True)
                   if Path(p).is_file()})


def _ours(path: Path, folder: Path) -> bool:
    """True for a file inside one of this command's version folders."""
    try:
        rel = path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return rel.parts[0].startswith(_VERSION_PREFIX)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _refuse_foreign(settings: Settings, folder: Path, given: dict[str, list[Path]]) -> None:
    """InputError when the settings would also find files this command did not install (placed
    by hand in the reference folder, or elsewhere for a kind being installed): the page would
    mix them with the new set."""
    found = []
    for kind in KINDS:
        for p in _matches(settings, kind):
            if not _ours(p, folder) and (_inside(p, folder) or kind in given):
                found.append((kind, p))
    if found:
        shown = "; ".join(f"{p} ({SETTING[k]})" for k, p in found[:6])
        more = f" and {len(found) - 6} more" if len(found) > 6 else ""
        raise InputError(f"the reference folder's settings also find files this command did not "
                         f"install: {shown}{more}. The page would use them beside the new set: "
                         "move them out of the reference folder (or change those settings), "
                         "then run the command again. Nothing was changed.")


def _check_space(given: dict[str, list[Path]], folder: Path) -> None:
    """InputError before writing when the disk cannot hold the files (zip members counted at
    their uncompressed size, plus a tenth for the Parquet cache)."""
    need = 0
    for paths in given.values():
        for p in paths:
            need += _unzipped_size(p) if zipfile.is_zipfile(p) and not _is_xlsx(p) else \
                p.stat().st_size
    need = int(need * 1.1)
    free = shutil.disk_usage(folder).free
    if need > free:
        raise InputError(f"the reference files need about {_mb(need)} and the disk holding "
                         f"{folder} has {_mb(free)} free: free some space, then run the command "
                         "again. Nothing was changed.")


def _unzipped_size(path: Path) -> int:
    """What extracting the directory from a zip writes, at most: its largest file, or all of its
    per-area parts."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError):
        return path.stat().st_size
    parts = sum(i.file_size for i in infos if "multi_csv" in i.filename.lower())
    return max([parts] + [i.file_size for i in infos])


def _switch(link: Path, target: Path) -> None:
    """Point `link` at `target` with one atomic rename of a new link over it."""
    tmp = link.with_name(f".{LINK}.{os.getpid()}")
    tmp.unlink(missing_ok=True)
    os.symlink(target.name, tmp)
    os.replace(tmp, link)


def _verify(settings: Settings, done: Installed) -> None:
    """After the switch, the settings must find exactly the installed files (the page looks
    them up the same way); InputError naming the setting to change otherwise."""
    refs = configured_references(settings)
    wrong = []
    for kind in KINDS:
        want = sorted(p.resolve() for p in _installed_paths(done, kind))
        got = refs.files.get(kind)
        got_list = sorted(Path(p).resolve() for p in (got if isinstance(got, list) else
                                                       [got] if got else []))
        if want != got_list:
            pattern = getattr(settings, SETTING[kind]) or "(empty)"
            default = _default(SETTING[kind])
            if want:
                wrong.append(f"{SETTING[kind]} is {pattern!r}, which does not find the installed "
                             f"{LINK}/{kind}/{want[0].name}: set it to its default "
                             f"{default!r} (or remove it from the settings)")
            else:
                wrong.append(f"{SETTING[kind]} ({pattern!r}) finds a file that was not installed")
    if wrong or refs.problems:
        raise InputError("the installed files are not what the settings find, so the previous set "
                         "was put back: " + "; ".join(wrong + list(refs.problems)) + ".")


def _default(setting: str) -> str:
    from dashboard.settings import SETTINGS

    return next(str(s.default) for s in SETTINGS if s.name == setting)


def _installed_paths(done: Installed, kind: str) -> list[Path]:
    info = done.kinds.get(kind)
    return [done.folder / LINK / kind / f["name"] for f in info["files"]] if info else []


def _write_manifest(version: Path, kinds: dict[str, dict]) -> None:
    record = {"installed": datetime.now(UTC).isoformat(timespec="seconds"), "kinds": kinds}
    tmp = version / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, version / MANIFEST)


def _prune_caches(cache_dir: Path, before: set[Path], done: Installed) -> None:
    """Remove Parquet caches of postcode directories no longer installed (the new one stays)."""
    if not cache_dir.is_dir():
        return
    new = set(cache_dir.glob("postcodes-*.parquet")) - before
    if not new:
        return
    for old in before:
        old.unlink(missing_ok=True)


# --------------------------------------------------------------------------- one kind
def _stage(kind: str, paths: list[Path], dest: Path, report: Progress,
           cache_dir: Path | None) -> dict:
    """Copy (or extract) the files of one kind into `dest` and read them with their reader:
    {"files": [...], "summary": str, facts}."""
    dest.mkdir()
    files = []
    for p in paths:
        if kind == "postcodes" and zipfile.is_zipfile(p):
            files += _extract_directory(p, dest, report)
        else:
            files.append(_copy_file(p, dest, report))
    names = [f["name"] for f in files]
    if len(set(names)) < len(names):
        raise InputError(f"two {_LABEL[kind]} files have the same name ({', '.join(names)}): "
                         "give each file once.")
    installed = [dest / n for n in names]
    report(f"reading {_LABEL[kind]}", 0, 0)
    facts = _read(kind, installed, paths, cache_dir)
    return {"files": files, **facts}


def _read(kind: str, installed: list[Path], given: list[Path], cache_dir: Path | None) -> dict:
    """Read the installed files with the import's reader: facts for the summary and manifest;
    InputError that says which file to download instead."""
    try:
        if kind == "postcodes":
            if cache_dir is not None:
                cache_dir.mkdir(exist_ok=True)
            df = read_postcodes(installed, cache_dir=cache_dir)
            return _postcode_facts(df, given)
        if kind == "imd":
            df = read_imd(installed[0])
            return {"lsoas": len(df), "lsoa_vintage": df.attrs.get("lsoa_vintage"),
                    "summary": f"{len(df):,} LSOAs (LSOA {df.attrs.get('lsoa_vintage') or '?'})"}
        if kind == "population":
            df = read_population(installed[0])
            return {"lsoas": len(df), "lsoa_vintage": df.attrs.get("lsoa_vintage"),
                    "summary": f"{len(df):,} LSOAs (LSOA {df.attrs.get('lsoa_vintage') or '?'}), "
                               f"{int(df['population'].sum()):,} people"}
        if kind in ("wards", "lsoas"):
            gdf = read_boundaries(installed[0], "ward" if kind == "wards" else "lsoa")
            what = "wards" if kind == "wards" else "LSOAs"
            return {"areas": len(gdf), "vintage": gdf.attrs.get("vintage"),
                    "summary": f"{len(gdf):,} {what} ({gdf.attrs.get('vintage') or 'no year'})"}
        lookup = read_lsoa_lookup(installed[0])
        old, new = lookup.attrs.get("old_vintage"), lookup.attrs.get("new_vintage")
        return {"rows": len(lookup), "old_vintage": old, "new_vintage": new,
                "summary": f"{len(lookup):,} rows, LSOA {old} to LSOA {new}"}
    except InputError as exc:
        raise InputError(f"--{kind.replace('_', '-')} {', '.join(p.name for p in given)}: {exc} "
                         f"{_ADVICE[kind]} Nothing was changed.") from None


_ADVICE = {
    "postcodes": f"Download the NSPL (or ONSPD) zip from {NSPL_SOURCE} and give it as downloaded.",
    "imd": f"Give File 1 of the Indices of Deprivation, XLSX or CSV as downloaded from "
           f"{IOD_SOURCE}.",
    "population": "Give File 6 (population denominators) of the same Indices of Deprivation "
                  "release as File 1.",
    "wards": "Give ONS ward boundaries (GeoJSON, GeoPackage or a zipped shapefile).",
    "lsoas": "Give ONS LSOA boundaries of the index's LSOA vintage (GeoJSON, GeoPackage or a "
             "zipped shapefile).",
    "lsoa_lookup": f"Give the LSOA 2011 to 2021 lookup CSV from {LOOKUP_SOURCE}.",
}


def _postcode_facts(df, given: list[Path]) -> dict:
    """Counts and vintages of a postcode directory as read."""
    if len(df) == 0:
        raise InputError("it holds no postcodes.")
    release = next((f"{m.group(1).upper()} {m.group(2)}" for p in given
                    if (m := _MONTH.search(p.name))), None)
    vintage = df.attrs.get("lsoa_vintage")
    live = int((~df["terminated"]).sum())
    lsoas = int(df["lsoa"].nunique())
    return {"postcodes": len(df), "live": live, "lsoas": lsoas, "lsoa_vintage": vintage,
            "release": release,
            "summary": f"{len(df):,} postcodes ({live:,} live), {lsoas:,} LSOAs "
                       f"(LSOA {vintage or '?'})" + (f", release {release}" if release else "")}


def _fits_together(kinds: dict[str, dict]) -> list[str]:
    """InputError when the files cannot be used together by an import; notes otherwise."""
    notes = []
    pc, imd = kinds["postcodes"].get("lsoa_vintage"), kinds["imd"].get("lsoa_vintage")
    lookup = kinds.get("lsoa_lookup")
    if pc and imd and pc != imd:
        if lookup is None:
            raise InputError(
                f"the postcode directory gives {pc} LSOAs but File 1 is on {imd} LSOAs, so no "
                f"supplier could be matched to the index: add --lsoa-lookup with the LSOA {pc} to "
                f"{imd} lookup CSV from {LOOKUP_SOURCE} (and --lsoas, the LSOA {imd} boundaries, "
                "for the LSOAs that were split), or use a postcode directory on "
                f"{imd} LSOAs. Nothing was changed.")
        if (lookup.get("old_vintage"), lookup.get("new_vintage")) != (pc, imd):
            raise InputError(
                f"the LSOA lookup goes from {lookup.get('old_vintage')} to "
                f"{lookup.get('new_vintage')} LSOAs, but the postcode directory gives {pc} and "
                f"File 1 is on {imd}: give the {pc} to {imd} lookup. Nothing was changed.")
        if "lsoas" not in kinds:
            notes.append(f"no LSOA {imd} boundaries (--lsoas): postcodes in LSOAs split in {imd} "
                         "are matched through the lookup only, not by where they are.")
    pop = kinds.get("population")
    if pop and imd and pop.get("lsoa_vintage") and pop["lsoa_vintage"] != imd:
        raise InputError(f"the population file is on {pop['lsoa_vintage']} LSOAs but File 1 is "
                         f"on {imd}: give File 6 of the same release as File 1. "
                         "Nothing was changed.")
    if "wards" not in kinds:
        notes.append("no ward boundaries (--wards): data sets imported from the page will have "
                     "no ward map.")
    return notes


# --------------------------------------------------------------------------- copying
def _copy_file(src: Path, dest: Path, report: Progress) -> dict:
    """Copy one file as given (streamed, hashed, synced): its manifest entry."""
    size = src.stat().st_size
    with open(src, "rb") as fh:
        sha = _stream(fh, dest / src.name, size, f"copying {src.name}", report)
    return {"name": src.name, "source": src.name, "size": size, "sha256": sha}


def _stream(fh: IO[bytes], target: Path, total: int, what: str, report: Progress) -> str:
    """Write a stream to `target` in chunks with progress; the sha256 of what was written."""
    digest = hashlib.sha256()
    done = 0
    report(what, 0, total)
    with open(target, "xb") as out:
        while chunk := fh.read(CHUNK):
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            report(what, done, max(total, done))
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def _whole_zip(path: Path) -> None:
    """InputError for a file that starts like a zip but is not a whole one (a download cut
    short has no central directory at its end)."""
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04" and not zipfile.is_zipfile(path):
        raise InputError(f"--postcodes {path.name} is an incomplete or damaged zip (a download "
                         f"cut short?): download it again from {NSPL_SOURCE}. Nothing was "
                         "changed.")


def _is_xlsx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return any(n.startswith("xl/") for n in zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def _extract_directory(path: Path, dest: Path, report: Progress) -> list[dict]:
    """Extract the postcode directory's data CSV from an NSPL/ONSPD zip as downloaded: the whole
    UK file (``Data/NSPL_*_UK.csv``), else the per-area parts (``Data/multi_csv/*``)."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = directory_members(zf, path.name)
            total = sum(m.file_size for m in members)
            out, done = [], 0
            for m in members:
                name = Path(m.filename).name
                with zf.open(m) as fh:
                    def part(what: str, n: int, _total: int, base: int = done) -> None:
                        report(f"extracting {path.name}", base + n, total)
                    sha = _stream(fh, dest / name, m.file_size, "", part)
                done += m.file_size
                out.append({"name": name, "source": f"{path.name}:{m.filename}",
                            "size": m.file_size, "sha256": sha})
            return out
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise InputError(f"--postcodes {path.name} is a damaged zip ({exc}): download it again "
                         f"from {NSPL_SOURCE}. Nothing was changed.") from None


def directory_members(zf: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    """The zip members that hold the postcode directory: the largest CSV that reads as one (the
    whole UK), else every per-area part (``multi_csv``) that does. A CSV counts when the first
    rows of it read with ``read_postcodes`` (documents and code lists in the zip do not)."""
    csvs = [i for i in zf.infolist() if not i.is_dir() and i.filename.lower().endswith(".csv")]
    parts = sorted((i for i in csvs if "multi_csv" in i.filename.lower()),
                   key=lambda i: i.filename)
    whole = sorted((i for i in csvs if i not in parts), key=lambda i: -i.file_size)
    reasons: list[str] = []
    for info in whole:
        if _reads_as_directory(zf, info, reasons):
            return [info]
    found = [i for i in parts if _reads_as_directory(zf, i, reasons)]
    if found:
        return found
    listed = ", ".join(i.filename for i in zf.infolist()[:8]) or "nothing"
    why = f" (the largest CSV: {reasons[0]})" if reasons else ""
    raise InputError(f"--postcodes {name}: this zip holds no NSPL/ONSPD data CSV{why}; it holds "
                     f"{listed}. Download the NSPL zip from {NSPL_SOURCE} and give it as "
                     "downloaded. Nothing was changed.")


def _sample_vintage(paths: list[Path]) -> str | None:
    """The LSOA vintage of the first postcode directory given, from its first rows (a zip's
    data CSV or a CSV, plain or .gz); None when they do not read (staging then says why)."""
    path = paths[0]
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                with zf.open(directory_members(zf, path.name)[0]) as fh:
                    head = fh.read(SAMPLE_BYTES)
        else:
            with open(path, "rb") as raw:
                gz = raw.read(2) == b"\x1f\x8b"
            with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
                head = fh.read(SAMPLE_BYTES)
        return _read_sample(head, path.name).attrs.get("lsoa_vintage") or None
    except (InputError, OSError, EOFError, zipfile.BadZipFile):
        return None


def _read_sample(head: bytes, name: str) -> pd.DataFrame:
    """The first whole lines of a postcode directory, read by ``read_postcodes``."""
    if len(head) == SAMPLE_BYTES:
        cut = head.rfind(b"\n")
        head = head[:cut + 1] if cut > 0 else head
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / name
        sample.write_bytes(head)
        return read_postcodes(sample)


def _reads_as_directory(zf: zipfile.ZipFile, info: zipfile.ZipInfo, reasons: list[str]) -> bool:
    """Whether the first rows of a zip member read as a postcode directory."""
    with zf.open(info) as fh:
        head = fh.read(SAMPLE_BYTES)
    try:
        _read_sample(head, Path(info.filename).name)
    except InputError as exc:
        reasons.append(str(exc))
        return False
    return True


# --------------------------------------------------------------------------- messages
def _mb(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


def _disk_error(exc: OSError, folder: Path) -> Exception:
    """A full, read-only or forbidden reference folder, said plainly."""
    what = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
            errno.EROFS: "the folder is on a read-only disk",
            errno.EACCES: "this user may not write there",
            errno.EPERM: "this user may not write there"}.get(exc.errno)
    if what is None:
        return exc
    return InputError(f"cannot write the reference files into {folder}: {what}. Run the command "
                      "as the user the server runs as, or choose another folder with --dir (and "
                      "set reference_dir to it). The previous reference files are unchanged.")

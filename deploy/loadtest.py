"""A bounded load test on this machine: simulated users changing filters, as the browser does it.

    python -m deploy.loadtest --start --users 50 --duration 120 --workers 4
    python -m deploy.loadtest --start --users 50 --exporters 5 --importers 1 --duration 120
    python -m deploy.loadtest --url http://127.0.0.1:8050/ --users 10 --duration 20

Each simulated user opens the page (the HTML, ``_dash-layout``, ``_dash-dependencies``), runs the
page's first callbacks, then until the time is up: waits a moment (``--think`` seconds, a person
reading the map), picks new filters (years, anchors, categories, X, reference, map layer, ward,
sometimes a download of the table) and sends what the browser sends for it: the URL/filter
callback, then every callback fed by the view state at once, with at most 6 connections per user
(a browser's limit per site). Requests go only to the given loopback address; the run stops by
itself after ``--duration`` seconds (requests in flight then are awaited, with a 30 s cap each,
65 s for exports).

The mixed workload: ``--exporters N`` of the users only download heavy exports; ``--importers N``
of them are officers who open the page, upload a spend file (``POST upload``, as
``assets/upload.js`` does), run the data panel's callbacks to the import button's and follow the
job's progress once a second until it is done or failed (a failed or unfinished import is an
error). Their requests are counted apart (kinds ``export``, ``import``); "others" is everyone
else's, held to ``--p95-ms`` and ``--max-other-ms``. With ``--start`` and importers, the server
gets a temporary networks_dir and a reference set made from the demo, and the file uploaded is
generated from the demo's suppliers (``--import-rows``), unless ``--import-file`` is given.

Reports (text, or JSON with ``--json``) latency percentiles per request and per filter change
(from the first request of a change to the last answer), requests per second, errors (any
status other than 200/204, a closed connection, a timeout), each import's outcome and wall time,
and the checks (met / NOT met). With ``--start`` it starts gunicorn itself
(``deploy/gunicorn.conf.py``, ``--workers`` workers on a free port) and stops it after. The client
needs only the standard library (a minimal asyncio HTTP/1.1 client); generating the import's
files needs the app's pandas.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
REQUEST_TIMEOUT_S = 30.0
EXPORT_TIMEOUT_S = 65.0   # a download is awaited longer, as a browser does: past gunicorn's 60 s
#                           timeout, so a server that gives up answers (503, refused) first
CONNECTIONS_PER_USER = 6
IDLE_S = 4.0              # reuse an idle connection for this long (gunicorn's keep-alive is 5 s)
LOOPBACK = ("127.", "localhost", "[::1]", "::1")


# --------------------------------------------------------------------------- a tiny HTTP client
class HTTPError(Exception):
    """A response that could not be read (closed connection, malformed framing)."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class StaleConnection(HTTPError):
    """A kept-alive connection the server had closed before this request was answered."""


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, host: str, port: int, extra_headers: dict[str, str]) -> None:
        self.host, self.port, self.extra = host, port, extra_headers
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used = 0                  # requests answered on this connection
        self.idle_since = time.monotonic()

    async def request(self, method: str, path: str, body: bytes | None = None,
                      headers: dict[str, str] | None = None) -> Response:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 "Accept-Encoding: identity", "Connection: keep-alive"]
        for k, v in {**self.extra, **(headers or {})}.items():
            lines.append(f"{k}: {v}")
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        try:
            self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
                              + (body or b""))
            await self.writer.drain()
        except (ConnectionResetError, BrokenPipeError):
            reused = self.used > 0
            self.close()
            if reused:
                raise StaleConnection("kept-alive connection closed by the server") from None
            raise
        return await self._read()

    async def _read(self) -> Response:
        assert self.reader is not None
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionResetError) \
                as exc:
            reused = self.used > 0
            self.close()
            if reused and not getattr(exc, "partial", b""):
                raise StaleConnection("kept-alive connection closed by the server") from exc
            raise HTTPError(f"connection closed before a response ({type(exc).__name__})") from exc
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        try:
            status = int(status_line.split(" ", 2)[1])
        except (IndexError, ValueError):
            self.close()
            raise HTTPError(f"malformed status line {status_line[:80]!r}") from None
        headers = {}
        for line in header_lines:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        try:
            if headers.get("transfer-encoding", "").lower() == "chunked":
                body = await self._chunked()
            elif "content-length" in headers:
                body = await self.reader.readexactly(int(headers["content-length"]))
            else:
                body = await self.reader.read()
                self.close()
        except asyncio.IncompleteReadError:
            self.close()
            raise HTTPError("connection closed in the middle of a response") from None
        if headers.get("connection", "").lower() == "close":
            self.close()
        self.used += 1
        self.idle_since = time.monotonic()
        return Response(status, headers, body)

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.writer = self.reader = None


class Pool:
    """At most `size` connections to one server, reused (as a browser does per site)."""

    def __init__(self, base: str, size: int, extra_headers: dict[str, str]) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.prefix = parts.path.rstrip("/") + "/"
        self.extra = extra_headers
        self.free: list[Connection] = []
        self.slots = asyncio.Semaphore(size)
        self.retried = 0

    async def request(self, method: str, path: str, body: bytes | None = None,
                      headers: dict[str, str] | None = None,
                      timeout: float = REQUEST_TIMEOUT_S) -> Response:
        """As a browser does: idle connections older than IDLE_S are not reused, and a request
        whose kept-alive connection turns out closed by the server (no byte of an answer) is
        sent once more on a new connection. Any other failure is an error."""
        async with self.slots:
            for attempt in (1, 2):
                conn = self._take()
                try:
                    resp = await asyncio.wait_for(
                        conn.request(method, self.prefix + path.lstrip("/"), body, headers),
                        timeout)
                except StaleConnection:
                    self.retried += 1
                    if attempt == 2:
                        raise
                    continue
                except BaseException:
                    conn.close()
                    raise
                if conn.writer is not None:
                    self.free.append(conn)
                return resp
            raise AssertionError("unreachable")

    def _take(self) -> Connection:
        now = time.monotonic()
        while self.free:
            conn = self.free.pop()
            if now - conn.idle_since < IDLE_S:
                return conn
            conn.close()
        return Connection(self.host, self.port, self.extra)

    def close(self) -> None:
        for conn in self.free:
            conn.close()


# --------------------------------------------------------------------------- Dash protocol
def callback_payload(dep: dict, values: dict[str, Any], changed: list[str]) -> dict:
    """The JSON body the Dash renderer posts for callback `dep` (an item of _dash-dependencies),
    with input/state values from `values` ("id.property" -> value; missing ones are null)."""
    def item(spec: dict) -> dict | list:
        if spec["id"].startswith("{"):   # a pattern-matching id (ALL): no such components yet
            return []
        key = f"{spec['id']}.{spec['property']}"
        out = {"id": spec["id"], "property": spec["property"]}
        if key in values:
            out["value"] = values[key]
        return out

    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1)))
               for o in dep["output"].strip(".").split("...")]
    return {"output": dep["output"], "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": [item(i) for i in dep["inputs"]], "state": [item(s) for s in dep["state"]],
            "changedPropIds": changed}


def response_value(resp: Response, component: str, prop: str) -> Any:
    """A property's new value in a callback response (None when not updated)."""
    if resp.status != 200:
        return None
    return resp.json().get("response", {}).get(component, {}).get(prop)


def find_options(layout: Any, component_id: str) -> list:
    """The option values of a component in the _dash-layout JSON."""
    stack = [layout]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            props = node.get("props") if "props" in node else None
            if props and props.get("id") == component_id:
                return [o["value"] if isinstance(o, dict) else o for o in props.get("options", [])]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return []


@dataclass
class Page:
    """What the simulated users need from the page: callbacks and the values filters can take."""

    sync: dict
    fed_by_state: list[dict]
    download: dict | None
    years: list
    anchors: list
    categories: list
    wards: list

    @classmethod
    def of(cls, deps: list[dict], layout: Any) -> Page:
        sync = next(d for d in deps if any(i["id"] == "url" and i["property"] == "search"
                                             for i in d["inputs"]))
        state_id = next(o for o in sync["output"].strip(".").split("...")
                        if o.endswith(".data")).rsplit(".", 1)[0]
        fed = [d for d in deps if d is not sync and not d.get("clientside_function") and any(
            i["id"] == state_id and i["property"] == "data" for i in d["inputs"])]   # the
        # renderer runs clientside callbacks (e.g. the share link) in the browser: never posted
        download = next((d for d in deps if d["output"] == "download.data"), None)
        return cls(sync, fed, download, find_options(layout, "f-years"),
                   find_options(layout, "f-anchors"), find_options(layout, "f-categories"),
                   find_options(layout, "ward-select"))

    def random_query(self, rng: random.Random) -> str:
        """A filter change a person might make (the page's own query-string form)."""
        pairs: list[tuple[str, Any]] = []
        if self.years and rng.random() < 0.7:
            pairs += [("fy", y) for y in rng.sample(self.years, rng.randint(1, len(self.years)))]
        if self.anchors and rng.random() < 0.5:
            pairs += [("anchor", a) for a in rng.sample(self.anchors, rng.randint(1, min(
                3, len(self.anchors))))]
        if self.categories and rng.random() < 0.3:
            pairs += [("cat", c) for c in rng.sample(self.categories, 1)]
        if rng.random() < 0.3:
            pairs.append(("x", rng.choice([10, 20, 30])))
        if rng.random() < 0.2:
            pairs.append(("ref", rng.choice(["national", "local"])))
        if rng.random() < 0.3:
            pairs.append(("layer", rng.choice(["ward_spend", "ward_rank", "ward_deprived",
                                               "lsoa_decile"])))
        if self.wards and rng.random() < 0.3:
            pairs.append(("ward", rng.choice(self.wards)))
        if rng.random() < 0.1:
            pairs.append(("flag", rng.choice(["sme", "vcse"])))
        return "?" + urlencode(pairs) if pairs else ""


# --------------------------------------------------------------------------- the users
@dataclass
class Stats:
    requests: list[tuple[str, float]] = field(default_factory=list)   # (kind, seconds)
    retried: int = 0              # requests re-sent after a kept-alive connection was closed
    changes: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused: int = 0              # exports answered 429/503 (the export queue's limits), not errors
    imports: list[dict] = field(default_factory=list)   # one per simulated import: outcome, time

    def error(self, text: str) -> None:
        self.errors.append(text)


async def _call(pool: Pool, stats: Stats, kind: str, method: str, path: str,
                body: Any = None, refusable: bool = False, raw: bytes | None = None,
                headers: dict[str, str] | None = None) -> Response | None:
    """One timed request counted as `kind`: a JSON `body`, or `raw` bytes sent as they are (an
    upload). None, with the error recorded, unless the answer is 200/204."""
    data = json.dumps(body).encode() if body is not None else raw
    if headers is None and body is not None:
        headers = {"Content-Type": "application/json"}
    t0 = time.perf_counter()
    try:
        resp = await pool.request(method, path, data, headers,
                                  EXPORT_TIMEOUT_S if refusable else REQUEST_TIMEOUT_S)
    except (TimeoutError, HTTPError, OSError) as exc:
        stats.error(f"{kind}: {type(exc).__name__}: {exc}")
        return None
    stats.requests.append((kind, time.perf_counter() - t0))
    if refusable and resp.status in (429, 503):
        stats.refused += 1
        return None
    if resp.status not in (200, 204):
        stats.error(f"{kind}: HTTP {resp.status} {resp.body[:120]!r}")
        return None
    return resp


async def _change(pool: Pool, page: Page, stats: Stats, query: str, current: str | None,
                  built: Any, download: bool) -> tuple[str | None, Any]:
    """One filter change: the sync callback (which also draws the map), then every callback fed
    by the view state."""
    t0 = time.perf_counter()
    sync = await _call(pool, stats, "filter", "POST", "_dash-update-component", callback_payload(
        page.sync, {"url.search": query, "view-state.data": current, "map-built-key.data": built},
        ["url.search"]))
    if sync is None:
        return current, built
    built = response_value(sync, "map-built-key", "data") or built
    state = response_value(sync, "view-state", "data")
    if state is None:   # unchanged: the page does not re-run the others
        stats.changes.append(time.perf_counter() - t0)
        return current, built
    values = {"view-state.data": state, "map-built-key.data": built}
    calls = [_call(pool, stats, "view", "POST", "_dash-update-component",
                   callback_payload(dep, values, ["view-state.data"]))
             for dep in page.fed_by_state]
    if download and page.download is not None:
        calls.append(_call(pool, stats, "download", "POST", "_dash-update-component",
                           callback_payload(page.download, {"download-table.n_clicks": 1,
                                                            "view-state.data": state},
                                            ["download-table.n_clicks"])))
    await asyncio.gather(*calls)
    stats.changes.append(time.perf_counter() - t0)
    return state, built


#: What an exporting user asks for in a mixed run: the heavy files (GET routes beside the page).
EXPORTS = ("export/transactions.xlsx", "export/transactions.csv", "report.html",
           "export/suppliers.xlsx", "export/wards.xlsx")


async def _exporter(pool: Pool, page: Page, stats: Stats, deadline: float,
                    rng: random.Random, exports: tuple[str, ...] = EXPORTS) -> None:
    """A user who only downloads heavy exports, one after another (a second tab's worth)."""
    while time.monotonic() < deadline:
        path = rng.choice(exports) + "?" + page.random_query(rng).lstrip("?")
        await _call(pool, stats, "export", "GET", path, refusable=True)
        await asyncio.sleep(rng.uniform(0.1, 0.5))


# --------------------------------------------------------------------------- an import
IMPORT_POLL_S = 1.0      # the page's import-poll dcc.Interval
IMPORT_WAIT_S = 300.0    # an import not finished this long after its upload is an error
IMPORT_DELAY_S = 5.0     # the officer starts this long after arriving (at most a quarter of the
#                          run), so the import runs while the exporters are busy
IMPORT_TITLE = "Load test import"


def _outputs(dep: dict) -> list[str]:
    """The "id.property" outputs of a callback in _dash-dependencies."""
    return dep["output"].strip(".").split("...")


@dataclass
class ImportPage:
    """The data panel's callbacks an import goes through, as the page runs them after an upload:
    the files list, the column mapping (a preview), the check, the start, the job's progress."""

    files: dict
    mapping: dict
    check: dict
    start: dict
    follow: dict

    @classmethod
    def of(cls, deps: list[dict]) -> ImportPage | None:
        """Found by their outputs; None when the page has no import form (imports off)."""
        def by_output(target: str) -> dict | None:
            return next((d for d in deps if target in _outputs(d)), None)

        found = [by_output(t) for t in ("upload-files-state.data", "import-check.data",
                                        "import-start.disabled", "import-job.data",
                                        "import-poll.disabled")]
        return None if None in found else cls(*found)   # type: ignore[arg-type]


@dataclass
class ImportPlan:
    """What a simulated officer imports: the spend file's name and bytes, the data set name."""

    filename: str
    content: bytes
    name: str


def demo_spend_csv(rows: int, seed: int = 1, demo: Path = ROOT / "data" / "demo") -> bytes:
    """A spend file of `rows` payments (three anchors, April 2023 to March 2024) to the demo's
    located suppliers, with their postcodes: what an officer uploads. Needs pandas (the app's)."""
    import pandas as pd

    suppliers = pd.read_parquet(demo / "suppliers.parquet")
    located = suppliers[suppliers["located"] & suppliers["postcode"].notna()]
    names = [str(n).replace('"', "") for n in located["name"]]
    postcodes = list(located["postcode"])
    rng = random.Random(seed)
    lines = ["Body Name,Paid Date,Supplier ID,Supplier Name,Supplier Postcode,Amount,"
             "Expenditure Category,Trans No"]
    anchors = ("Loadtest Council", "Loadtest NHS Trust", "Loadtest College")
    categories = ("Works", "Care", "Supplies", "Services", "Energy")
    for i in range(rows):
        j = rng.randrange(len(names))
        paid = date(2023, 4, 1) + timedelta(days=rng.randrange(366))
        lines.append(f'{rng.choice(anchors)},{paid:%d/%m/%Y},S{j:05d},"{names[j]}",'
                     f"{postcodes[j]},{rng.randint(100, 500000) / 100:.2f},"
                     f"{rng.choice(categories)},LT{i + 1}")
    return ("\n".join(lines) + "\n").encode()


def write_reference(folder: Path, demo: Path = ROOT / "data" / "demo") -> Path:
    """A small reference set made from the demo's own tables (no public file needed): a postcode
    directory of the demo suppliers' postcodes (NSPL columns) and an IoD File 1 of the demo's
    LSOAs. Enough for an import of `demo_spend_csv` to locate every row. Returns the folder."""
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    sup = pd.read_parquet(demo / "suppliers.parquet")
    sup = sup[sup["located"] & sup["postcode"].notna()].drop_duplicates("postcode")
    pd.DataFrame({"pcds": sup["postcode"], "doterm": "", "laua": sup["lad"],
                  "lsoa11": sup["lsoa"], "lat": sup["lat"], "long": sup["lon"]}).to_csv(
        folder / "NSPL_loadtest.csv", index=False)
    lsoas = pd.read_parquet(demo / "lsoas.parquet")
    pd.DataFrame({"LSOA code (2011)": lsoas["lsoa"],
                  "Local Authority District code (2019)": lsoas["lad"],
                  "Index of Multiple Deprivation (IMD) Rank": lsoas["imd_rank"],
                  "Index of Multiple Deprivation (IMD) Decile": lsoas["imd_decile"]}).to_csv(
        folder / "File_1_loadtest.csv", index=False)
    return folder


def import_settings(folder: Path) -> dict[str, str]:
    """The environment for a gunicorn that allows imports from the page into `folder`
    (networks_dir `folder`/networks, the reference set of `write_reference` in
    `folder`/reference): what ``--start --importers`` gives the server it starts."""
    ref = write_reference(folder / "reference")
    (folder / "networks").mkdir(parents=True, exist_ok=True)
    return {"ANCHOR_IMPORTS": "true", "ANCHOR_NETWORKS_DIR": str(folder / "networks"),
            "ANCHOR_REFERENCE_DIR": str(ref), "ANCHOR_REFERENCE_POSTCODES": "NSPL_loadtest.csv",
            "ANCHOR_REFERENCE_IMD": "File_1_loadtest.csv"}


async def _dash(pool: Pool, stats: Stats, dep: dict, values: dict[str, Any],
                changed: list[str]) -> Response | None:
    """One of the import's callbacks, counted as kind "import"."""
    return await _call(pool, stats, "import", "POST", "_dash-update-component",
                       callback_payload(dep, values, changed))


async def _upload(pool: Pool, stats: Stats, plan: ImportPlan) -> dict | None:
    """The spend file as assets/upload.js sends it: the raw body of POST upload; the batch id."""
    resp = await _call(pool, stats, "import", "POST",
                       "upload?" + urlencode({"kind": "spend", "name": plan.filename}),
                       raw=plan.content, headers={"X-Anchor-Upload": "1",
                                                  "Content-Type": "application/octet-stream"})
    if resp is None:
        return None
    answer = resp.json()
    if not answer.get("batch") or answer.get("refused"):
        stats.error(f"import: the upload was refused: {answer}")
        return None
    return {"batch": answer["batch"], "seq": 1}


async def _start_import(pool: Pool, stats: Stats, ip: ImportPage, plan: ImportPlan,
                        uploads: dict) -> dict | None:
    """The callbacks the page runs after an upload (files, mapping, check), then the import
    button's: the job ({"job", "name"}), or None with the page's reason recorded as an error."""
    resp = await _dash(pool, stats, ip.files, {"upload-batch.data": uploads}, ["upload-batch.data"])
    files = response_value(resp, "upload-files-state", "data") if resp else None
    if not files:
        stats.error("import: the page did not list the uploaded file")
        return None
    resp = await _dash(pool, stats, ip.mapping, {"upload-files-state.data": files},
                       ["upload-files-state.data"])
    check = response_value(resp, "import-check", "data") if resp else None
    resp = await _dash(pool, stats, ip.check, {"import-check.data": check,
                                               "import-name.value": plan.name},
                       ["import-name.value"])
    if resp is None:
        return None
    if response_value(resp, "import-start", "disabled"):
        stats.error("import: the page would not start it: " + json.dumps(
            response_value(resp, "import-problems", "children"))[:300])
        return None
    resp = await _dash(pool, stats, ip.start, {
        "import-start.n_clicks": 1, "upload-files-state.data": files, "import-name.value":
        plan.name, "import-title.value": IMPORT_TITLE, "import-add.value": []},
        ["import-start.n_clicks"])
    job = response_value(resp, "import-job", "data") if resp else None
    if not job or not job.get("job"):
        why = response_value(resp, "import-error", "children") if resp else None
        stats.error(f"import: not started: {why}")
        return None
    return job


async def _follow(pool: Pool, stats: Stats, ip: ImportPage, job: dict,
                  until: float) -> tuple[str, str]:
    """Poll the job's progress callback once a second, as the page does, until it is finished
    (the poll disabled): ("done" | "failed" | "not finished", the page's status words). Done is
    when the data set list is refreshed with the job's id (the page's sign of success)."""
    n = 0
    words = ""
    while time.monotonic() < until:
        resp = await _dash(pool, stats, ip.follow, {"import-job.data": job,
                                                    "import-poll.n_intervals": n or None},
                           ["import-poll.n_intervals" if n else "import-job.data"])
        if resp is not None:
            words = str(response_value(resp, "import-status", "children") or words)
            if response_value(resp, "import-poll", "disabled"):
                ok = response_value(resp, "data-sets-refresh", "data") == job["job"]
                return ("done" if ok else "failed"), words
        n += 1
        await asyncio.sleep(IMPORT_POLL_S)
    return "not finished", words


async def _importer(pool: Pool, ip: ImportPage | None, stats: Stats, plan: ImportPlan,
                    delay: float) -> None:
    """An officer who, once the page is open, uploads a spend file, starts the import from the
    form and follows it to the end. Its requests are kind "import"; its outcome and wall time
    (upload to the last poll) go to `stats.imports`; anything but "done" is an error."""
    await asyncio.sleep(delay)
    t0 = time.perf_counter()
    record = {"name": plan.name, "rows": plan.content.count(b"\n") - 1, "outcome": "not started",
              "seconds": None, "message": ""}
    stats.imports.append(record)
    if ip is None:
        stats.error("import: the page has no import form (imports off on this server?)")
        return
    uploads = await _upload(pool, stats, plan)
    job = await _start_import(pool, stats, ip, plan, uploads) if uploads else None
    if job is None:
        return
    outcome, words = await _follow(pool, stats, ip, job, time.monotonic() + IMPORT_WAIT_S)
    record.update(outcome=outcome, message=words[:300],
                  seconds=round(time.perf_counter() - t0, 1))
    if outcome != "done":
        stats.error(f"import {plan.name}: {outcome}: {words[:200]}")


async def _user(base: str, page: Page, stats: Stats, deadline: float, seed: int,
                think: tuple[float, float], headers: dict[str, str],
                exporter: bool = False, importing: ImportPlan | None = None,
                import_page: ImportPage | None = None, exports: tuple[str, ...] = EXPORTS
                ) -> None:
    """One simulated user: an exporter, an officer importing (`importing`: opens the page, then
    imports), or someone changing filters until the deadline."""
    rng = random.Random(seed)
    await asyncio.sleep(rng.uniform(0, min(2.0, think[1])))   # users do not arrive at once
    pool = Pool(base, CONNECTIONS_PER_USER, headers)
    if exporter:
        try:
            await _exporter(pool, page, stats, deadline, rng, exports)
        finally:
            stats.retried += pool.retried
            pool.close()
        return
    try:
        for path in ("", "_dash-layout", "_dash-dependencies"):
            if await _call(pool, stats, "page", "GET", path) is None:
                return
        if importing is not None:
            delay = min(IMPORT_DELAY_S, max(0.0, deadline - time.monotonic()) / 4)
            await _importer(pool, import_page, stats, importing, delay)
            return
        state, built = await _change(pool, page, stats, "", None, None, False)
        while time.monotonic() < deadline:
            await asyncio.sleep(rng.uniform(*think))
            if time.monotonic() >= deadline:
                break
            state, built = await _change(pool, page, stats, page.random_query(rng), state,
                                         built, rng.random() < 0.05)
    finally:
        stats.retried += pool.retried
        pool.close()


def _get_json(url: str, headers: dict[str, str]) -> Any:
    req = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:   # loopback only
        return json.load(resp)


async def _run(base: str, users: int, duration: float, think: tuple[float, float],
               headers: dict[str, str], seed: int, exporters: int = 0,
               imports: list[ImportPlan] | None = None,
               exports: tuple[str, ...] = EXPORTS) -> Stats:
    """The first `exporters` users export (`exports`), the next len(`imports`) import one file
    each, the rest change filters."""
    base = base.rstrip("/") + "/"
    deps = _get_json(base + "_dash-dependencies", headers)
    page = Page.of(deps, _get_json(base + "_dash-layout", headers))
    import_page = ImportPage.of(deps)
    plans = imports or []
    stats = Stats()
    deadline = time.monotonic() + duration
    await asyncio.gather(*(_user(
        base, page, stats, deadline, seed * 1000 + i, think, headers, exporter=i < exporters,
        importing=plans[i - exporters] if 0 <= i - exporters < len(plans) else None,
        import_page=import_page, exports=exports) for i in range(users)))
    return stats


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[max(0, int(q * 10) - 1)]


#: Request kinds kept apart from "others" (everyone else's requests, held to the bars).
APART = ("export", "import")


def summary(stats: Stats, elapsed: float, users: int) -> dict:
    """Counts, percentiles (ms) per request and per filter change, the imports' outcomes, and the
    first errors. "others" is every request but exports' and imports' (`APART`)."""
    times = [t for _, t in stats.requests]

    def pct(vals: list[float]) -> dict:
        return {f"p{q}": round(percentile(vals, q) * 1000, 1) for q in (50, 95, 99)} | {
            "max": round(max(vals, default=0) * 1000, 1), "n": len(vals)}

    return {
        "users": users, "seconds": round(elapsed, 1), "requests": len(times),
        "requests_per_s": round(len(times) / elapsed, 1) if elapsed else 0.0,
        "filter_changes": len(stats.changes), "errors": len(stats.errors),
        "retried_on_closed_keepalive": stats.retried,
        "request_ms": pct(times), "filter_change_ms": pct(stats.changes),
        "by_kind_ms": {k: pct([t for kk, t in stats.requests if kk == k])
                       for k in sorted({k for k, _ in stats.requests})},
        "exports_refused": stats.refused,
        "others_ms": pct([t for k, t in stats.requests if k not in APART]),
        "imports": stats.imports,
        "first_errors": stats.errors[:10],
    }


def run_load(base: str, users: int, duration: float, think: tuple[float, float] = (1.0, 3.0),
             headers: dict[str, str] | None = None, seed: int = 1, exporters: int = 0,
             imports: list[ImportPlan] | None = None, exports: tuple[str, ...] = EXPORTS
             ) -> dict:
    """Run the load and return `summary`; refuses any target that is not on this machine.
    `imports`: one simulated officer per plan, taken from the users after the exporters;
    `exports`: the routes the exporters choose from (a test may keep to the lighter ones)."""
    host = urlsplit(base).hostname or ""
    if not host.startswith(LOOPBACK) and host not in ("localhost", "::1"):
        raise ValueError(f"{base}: the load test only targets this machine (loopback)")
    if exporters + len(imports or []) > users:
        raise ValueError("exporters and importers are users: give at least as many users")
    t0 = time.monotonic()
    coro = _run(base, users, duration, think, headers or {}, seed, exporters, imports, exports)
    try:
        asyncio.get_running_loop()
    except RuntimeError:   # the usual case: no event loop in this thread
        stats = asyncio.run(coro)
    else:                  # called from inside a loop (a test process running sync Playwright)
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            stats = pool.submit(asyncio.run, coro).result()
    return summary(stats, time.monotonic() - t0, users)


def checks(result: dict, p95_ms: float, max_other_ms: float) -> dict:
    """The issue's bars, each {"value", "limit", "met"}: no error (a failed import is one), the
    p95 of others' requests within `p95_ms`, and the slowest of them (nobody else waiting while
    exports and imports run) within `max_other_ms`."""
    others = result["others_ms"]
    return {
        "errors": {"value": result["errors"], "limit": 0, "met": result["errors"] == 0},
        "others_p95_ms": {"value": others["p95"], "limit": p95_ms,
                          "met": others["p95"] <= p95_ms},
        "others_max_ms": {"value": others["max"], "limit": max_other_ms,
                          "met": others["max"] <= max_other_ms},
    }


def import_plans(count: int, rows: int = 3000, file: Path | None = None) -> list[ImportPlan]:
    """`count` imports into data sets loadtest-1, loadtest-2 ...: of `file`, or each of its own
    generated spend file (`demo_spend_csv`, a different seed each, so no two are the same)."""
    return [ImportPlan(file.name if file else f"loadtest-spend-{i + 1}.csv",
                       file.read_bytes() if file else demo_spend_csv(rows, seed=i + 1),
                       f"loadtest-{i + 1}") for i in range(count)]


# --------------------------------------------------------------------------- gunicorn
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int, env: dict[str, str] | None = None,
                   app: str = "app:server", log: Path | None = None,
                   timeout: float = 90.0) -> subprocess.Popen:
    """gunicorn with deploy/gunicorn.conf.py on 127.0.0.1:`port`, ready (health answers) on
    return; its own process group, so `stop_gunicorn` ends it and every worker."""
    full = {**os.environ, "ANCHOR_HOST": "127.0.0.1", "ANCHOR_PORT": str(port),
            "ANCHOR_WORKERS": str(workers), **(env or {})}
    full["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), full.get("PYTHONPATH")) if p)
    out = open(log, "ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c",
                             str(ROOT / "deploy" / "gunicorn.conf.py"), app],
                            cwd=ROOT, env=full, stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    prefix = full.get("ANCHOR_URL_PREFIX", "/") if full.get(
        "ANCHOR_PROXY_STRIPS_PREFIX", "").lower() not in ("1", "true", "yes", "on") else "/"
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    url = f"http://127.0.0.1:{port}{prefix}health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {proc.returncode} at start"
                               + (f" (log: {log})" if log else ""))
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:   # loopback
                if resp.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    stop_gunicorn(proc)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout:.0f} s")


def stop_gunicorn(proc: subprocess.Popen, grace: float = 20.0) -> None:
    """SIGTERM to gunicorn's process group, SIGKILL after `grace` seconds."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    except ProcessLookupError:
        pass


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m deploy.loadtest", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="base URL of a running dashboard on this machine")
    ap.add_argument("--start", action="store_true", help="start gunicorn for the run")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=float, default=120.0, help="seconds (at most 900)")
    ap.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"),
                    help="seconds a user waits between filter changes (default 1 3)")
    ap.add_argument("--exporters", type=int, default=0,
                    help="of the users, how many only download heavy exports (XLSX tables, the "
                         "report) one after another: the mixed workload")
    ap.add_argument("--importers", type=int, default=0,
                    help="of the users, how many import a spend file from the page (upload, "
                         "start, follow to the end) into data set loadtest-N; with --start "
                         "the server gets a temporary networks_dir and reference set")
    ap.add_argument("--import-file", type=Path,
                    help="the spend file the importers upload (default: one generated from the "
                         "demo's suppliers, whose postcodes the --start reference set covers)")
    ap.add_argument("--import-rows", type=int, default=3000,
                    help="rows of the generated spend file (default 3000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    ap.add_argument("--log", type=Path, help="with --start: append gunicorn's log to this file")
    ap.add_argument("--p95-ms", type=float, default=1000.0,
                    help="exit 1 when the p95 of others' requests (all but exports and imports) "
                         "is above this or any request failed")
    ap.add_argument("--max-other-ms", type=float, default=2000.0,
                    help="exit 1 when any of others' requests took longer than this")
    args = ap.parse_args(argv)
    if not (args.url or args.start) or (args.url and args.start):
        ap.error("give --url of a running dashboard, or --start")
    if not 0 < args.duration <= 900 or not 0 < args.users <= 500:
        ap.error("--duration must be in (0, 900] seconds and --users in (0, 500]")
    if args.exporters < 0 or args.importers < 0 or args.exporters + args.importers > args.users:
        ap.error("--exporters and --importers are users: at most --users in all")
    with tempfile.TemporaryDirectory(prefix="anchor-loadtest-") as tmp:
        result = _measure(args, Path(tmp))
    _report(args, result)
    return 0 if all(c["met"] for c in result["checks"].values()) else 1


def _measure(args: argparse.Namespace, tmp: Path) -> dict:
    """Start gunicorn if asked (allowing imports into `tmp` when there are importers), run the
    load, stop it; the summary with the checks, the machine's load and gunicorn's log counts."""
    proc = None
    url = args.url
    if args.start:
        port = free_port()
        env = import_settings(tmp) if args.importers else None
        proc = start_gunicorn(port, args.workers, env, log=args.log)
        url = f"http://127.0.0.1:{port}/"
    try:
        result = run_load(url, args.users, args.duration, tuple(args.think), seed=args.seed,
                          exporters=args.exporters, imports=import_plans(
                              args.importers, args.import_rows, args.import_file))
    finally:
        if proc is not None:
            stop_gunicorn(proc)
    result["workers"] = args.workers if args.start else None
    result["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]   # others on the box?
    if args.start and args.log and args.log.exists():
        text = args.log.read_text(errors="replace")
        result["server_log"] = {k: text.count(k) for k in (
            "Booting worker", "WORKER TIMEOUT", "SIGKILL", "Traceback", "Error handling request")}
    result["checks"] = checks(result, args.p95_ms, args.max_other_ms)
    return result


def _report(args: argparse.Namespace, result: dict) -> None:
    """Print the summary: JSON with --json, else the lines below."""
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        r = result
        print(f"{r['users']} users, {r['seconds']} s, {r['requests']} requests "
              f"({r['requests_per_s']}/s), {r['filter_changes']} filter changes, "
              f"{r['errors']} errors ({r['retried_on_closed_keepalive']} requests re-sent on a "
              "new connection after the server closed an idle one, as browsers do)")
        for label, key in (("per request", "request_ms"), ("per filter change",
                                                          "filter_change_ms")):
            p = r[key]
            print(f"  {label:18} p50 {p['p50']:7.1f} ms  p95 {p['p95']:7.1f} ms  "
                  f"p99 {p['p99']:7.1f} ms  max {p['max']:7.1f} ms")
        if args.exporters or args.importers:
            p, e = r["others_ms"], r["by_kind_ms"].get("export", {})
            i = r["by_kind_ms"].get("import", {})
            print(f"  others (not exports or imports) p95 {p['p95']:7.1f} ms  "
                  f"max {p['max']:7.1f} ms")
            if args.exporters:
                print(f"  exports p50 {e.get('p50', 0):.0f} ms p95 {e.get('p95', 0):.0f} ms, "
                      f"{r['exports_refused']} refused (429/503)")
            if args.importers:
                print(f"  import requests p50 {i.get('p50', 0):.0f} ms  "
                      f"max {i.get('max', 0):.0f} ms")
        for imp in r["imports"]:
            print(f"  import {imp['name']} ({imp['rows']} rows): {imp['outcome']}"
                  + (f" in {imp['seconds']} s" if imp["seconds"] is not None else "")
                  + (f" ({imp['message']})" if imp["message"] else ""))
        for name, c in r["checks"].items():
            print(f"  check {name}: {c['value']} against {c['limit']}: "
                  + ("met" if c["met"] else "NOT met"))
        for err in r["first_errors"]:
            print("  error:", err)
        if "server_log" in r:
            print("  gunicorn log:", ", ".join(f"{k}: {v}" for k, v in r["server_log"].items()))


if __name__ == "__main__":
    sys.exit(main())

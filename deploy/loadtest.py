"""A bounded load test on this machine: simulated users changing filters, as the browser does it.

    python -m deploy.loadtest --start --users 50 --duration 120 --workers 4
    python -m deploy.loadtest --url http://127.0.0.1:8050/ --users 10 --duration 20

Each simulated user opens the page (the HTML, ``_dash-layout``, ``_dash-dependencies``), runs the
page's first callbacks, then until the time is up: waits a moment (``--think`` seconds, a person
reading the map), picks new filters (years, anchors, categories, X, reference, map layer, ward,
sometimes a download of the table) and sends what the browser sends for it: the URL/filter
callback, then every callback fed by the view state at once, with at most 6 connections per user
(a browser's limit per site). Requests go only to the given loopback address; the run stops by
itself after ``--duration`` seconds (requests in flight then are awaited, with a 30 s cap each).

Reports (text, or JSON with ``--json``) latency percentiles per request and per filter change
(from the first request of a change to the last answer), requests per second and errors (any
status other than 200/204, a closed connection, a timeout). With ``--start`` it starts gunicorn
itself (``deploy/gunicorn.conf.py``, ``--workers`` workers on a free port) and stops it after.
No dependency beyond the standard library: a minimal asyncio HTTP/1.1 client.
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
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
REQUEST_TIMEOUT_S = 30.0
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
                      headers: dict[str, str] | None = None) -> Response:
        """As a browser does: idle connections older than IDLE_S are not reused, and a request
        whose kept-alive connection turns out closed by the server (no byte of an answer) is
        sent once more on a new connection. Any other failure is an error."""
        async with self.slots:
            for attempt in (1, 2):
                conn = self._take()
                try:
                    resp = await asyncio.wait_for(
                        conn.request(method, self.prefix + path.lstrip("/"), body, headers),
                        REQUEST_TIMEOUT_S)
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
    def item(spec: dict) -> dict:
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

    def error(self, text: str) -> None:
        self.errors.append(text)


async def _call(pool: Pool, stats: Stats, kind: str, method: str, path: str,
                body: Any = None, refusable: bool = False) -> Response | None:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else None
    t0 = time.perf_counter()
    try:
        resp = await pool.request(method, path, data, headers)
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
                    rng: random.Random) -> None:
    """A user who only downloads heavy exports, one after another (a second tab's worth)."""
    while time.monotonic() < deadline:
        path = rng.choice(EXPORTS) + "?" + page.random_query(rng).lstrip("?")
        await _call(pool, stats, "export", "GET", path, refusable=True)
        await asyncio.sleep(rng.uniform(0.1, 0.5))


async def _user(base: str, page: Page, stats: Stats, deadline: float, seed: int,
                think: tuple[float, float], headers: dict[str, str],
                exporter: bool = False) -> None:
    rng = random.Random(seed)
    await asyncio.sleep(rng.uniform(0, min(2.0, think[1])))   # users do not arrive at once
    pool = Pool(base, CONNECTIONS_PER_USER, headers)
    if exporter:
        try:
            await _exporter(pool, page, stats, deadline, rng)
        finally:
            stats.retried += pool.retried
            pool.close()
        return
    try:
        for path in ("", "_dash-layout", "_dash-dependencies"):
            if await _call(pool, stats, "page", "GET", path) is None:
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
               headers: dict[str, str], seed: int, exporters: int = 0) -> Stats:
    base = base.rstrip("/") + "/"
    page = Page.of(_get_json(base + "_dash-dependencies", headers),
                   _get_json(base + "_dash-layout", headers))
    stats = Stats()
    deadline = time.monotonic() + duration
    await asyncio.gather(*(_user(base, page, stats, deadline, seed * 1000 + i, think, headers,
                                 exporter=i < exporters)
                           for i in range(users)))
    return stats


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[max(0, int(q * 10) - 1)]


def summary(stats: Stats, elapsed: float, users: int) -> dict:
    """Counts, percentiles (ms) per request and per filter change, and the first errors."""
    times = [t for _, t in stats.requests]

    def pct(vals: list[float]) -> dict:
        return {f"p{q}": round(percentile(vals, q) * 1000, 1) for q in (50, 95, 99)} | {
            "max": round(max(vals, default=0) * 1000, 1)}

    return {
        "users": users, "seconds": round(elapsed, 1), "requests": len(times),
        "requests_per_s": round(len(times) / elapsed, 1) if elapsed else 0.0,
        "filter_changes": len(stats.changes), "errors": len(stats.errors),
        "retried_on_closed_keepalive": stats.retried,
        "request_ms": pct(times), "filter_change_ms": pct(stats.changes),
        "by_kind_ms": {k: pct([t for kk, t in stats.requests if kk == k])
                       for k in sorted({k for k, _ in stats.requests})},
        "exports_refused": stats.refused,
        "others_ms": pct([t for k, t in stats.requests if k != "export"]),
        "first_errors": stats.errors[:10],
    }


def run_load(base: str, users: int, duration: float, think: tuple[float, float] = (1.0, 3.0),
             headers: dict[str, str] | None = None, seed: int = 1, exporters: int = 0) -> dict:
    """Run the load and return `summary`; refuses any target that is not on this machine."""
    host = urlsplit(base).hostname or ""
    if not host.startswith(LOOPBACK) and host not in ("localhost", "::1"):
        raise ValueError(f"{base}: the load test only targets this machine (loopback)")
    t0 = time.monotonic()
    coro = _run(base, users, duration, think, headers or {}, seed, exporters)
    try:
        asyncio.get_running_loop()
    except RuntimeError:   # the usual case: no event loop in this thread
        stats = asyncio.run(coro)
    else:                  # called from inside a loop (a test process running sync Playwright)
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            stats = pool.submit(asyncio.run, coro).result()
    return summary(stats, time.monotonic() - t0, users)


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
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    ap.add_argument("--log", type=Path, help="with --start: append gunicorn's log to this file")
    ap.add_argument("--p95-ms", type=float, default=1000.0,
                    help="exit 1 when the request p95 is above this or any request failed")
    args = ap.parse_args(argv)
    if not (args.url or args.start) or (args.url and args.start):
        ap.error("give --url of a running dashboard, or --start")
    if not 0 < args.duration <= 900 or not 0 < args.users <= 500:
        ap.error("--duration must be in (0, 900] seconds and --users in (0, 500]")
    proc = None
    url = args.url
    if args.start:
        port = free_port()
        proc = start_gunicorn(port, args.workers, log=args.log)
        url = f"http://127.0.0.1:{port}/"
    try:
        result = run_load(url, args.users, args.duration, tuple(args.think), seed=args.seed,
                          exporters=args.exporters)
    finally:
        if proc is not None:
            stop_gunicorn(proc)
    result["workers"] = args.workers if args.start else None
    result["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]   # others on the box?
    if args.start and args.log and args.log.exists():
        text = args.log.read_text(errors="replace")
        result["server_log"] = {k: text.count(k) for k in (
            "Booting worker", "WORKER TIMEOUT", "SIGKILL", "Traceback", "Error handling request")}
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
        if args.exporters:
            p, e = r["others_ms"], r["by_kind_ms"].get("export", {})
            print(f"  others (not exports) p95 {p['p95']:7.1f} ms  max {p['max']:7.1f} ms; "
                  f"exports p50 {e.get('p50', 0):.0f} ms p95 {e.get('p95', 0):.0f} ms, "
                  f"{r['exports_refused']} refused (429/503)")
        for err in r["first_errors"]:
            print("  error:", err)
        if "server_log" in r:
            print("  gunicorn log:", ", ".join(f"{k}: {v}" for k, v in r["server_log"].items()))
    ok = result["errors"] == 0 and result["others_ms"]["p95"] <= args.p95_ms
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

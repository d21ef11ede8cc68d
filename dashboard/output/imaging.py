"""Figures to PNG or SVG bytes through one warm kaleido browser per process.

`plotly`'s ``fig.to_image`` starts a new Chromium for every image (kaleido 1.x: about 3 s of
start-up before any drawing, on a 2-core machine) and loads MathJax from a CDN page it never
needs. Here the first image of a process starts one `kaleido.Kaleido` (its own asyncio loop in a
daemon thread, MathJax off, plotly.js from the installed plotly), and every later image reuses
its tab: only the drawing is paid (and the tab is reloaded only now and then, not after every
image as kaleido does: `_kaleido_class`). The browser is shut down when the process exits (`atexit`),
and dropped (the next image starts a new one) when a drawing fails or times out, or in a
process forked after it started (a fork has none of its threads).

Not thread-bound: export threads may call `render` at once; kaleido's tab queue draws one image
at a time, in the order asked.
"""
from __future__ import annotations

import asyncio
import atexit
import os
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

#: Longest one image may take (kaleido's own per-image limit is set a little under it).
TIMEOUT_S = 120.0   # England with place names: tens of seconds on a loaded 2-core machine
START_TIMEOUT_S = 45.0
RELOAD_EVERY = 20       # images drawn in one page before kaleido's clean reload of it


@dataclass
class _Warm:
    """A running browser: the process it belongs to, its loop and thread, and kaleido itself."""

    pid: int
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    kaleido: Any


_lock = threading.Lock()
_warm: _Warm | None = None


def render(fig: Any, fmt: str, *, width: int, height: int, scale: float = 1.0) -> bytes:
    """`fig` (a plotly Figure or its dict) as `fmt` ("png" or "svg") bytes of `width` x `height`
    layout pixels, drawn by this process's warm browser (started here on first use).

    Raises what kaleido raises (no browser, a drawing error) or TimeoutError; the warm browser is
    then dropped, so the next image starts afresh."""
    spec = fig.to_dict() if hasattr(fig, "to_dict") else fig
    opts = {"format": fmt, "width": width, "height": height, "scale": scale}
    warm = _running()
    future = asyncio.run_coroutine_threadsafe(warm.kaleido.calc_fig(spec, opts=opts), warm.loop)
    try:
        return future.result(timeout=TIMEOUT_S)
    except BaseException as exc:
        future.cancel()
        _drop(warm)
        if isinstance(exc, FutureTimeout):
            raise TimeoutError(f"the image took over {TIMEOUT_S:.0f} s to draw") from None
        raise


def warm_up() -> None:
    """Start this process's browser now (e.g. when an export process starts), not at the first
    image; does nothing when it is running."""
    _running()


def is_warm() -> bool:
    """Whether this process has a running browser."""
    warm = _warm
    return warm is not None and warm.pid == os.getpid() and warm.thread.is_alive()


def shutdown() -> None:
    """Close this process's browser, if it has one (at exit; tests)."""
    global _warm
    with _lock:
        warm, _warm = _warm, None
    if warm is not None and warm.pid == os.getpid():
        _close(warm)


def _running() -> _Warm:
    """This process's warm browser, started if there is none (or only a parent's, after a fork)."""
    global _warm
    with _lock:
        if _warm is not None and _warm.pid == os.getpid() and _warm.thread.is_alive():
            return _warm
        _warm = _start()
        return _warm


def _start() -> _Warm:
    """A new event loop in a daemon thread, with a kaleido browser opened on it."""
    import kaleido

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="kaleido", daemon=True)
    thread.start()

    async def open_browser() -> Any:
        k = _kaleido_class(kaleido.Kaleido)(n=1, timeout=TIMEOUT_S - 5, mathjax=False)
        await k.open()
        return k

    future = asyncio.run_coroutine_threadsafe(open_browser(), loop)
    try:
        k = future.result(timeout=START_TIMEOUT_S)
    except BaseException:
        future.cancel()
        loop.call_soon_threadsafe(loop.stop)
        raise
    return _Warm(os.getpid(), loop, thread, k)


def _kaleido_class(base: type) -> type:
    """`base` (kaleido.Kaleido) that does not reload its tab after every image, only after every
    `RELOAD_EVERY`-th (in the background, after the image is returned). kaleido reloads it each
    time to start clean, re-reading plotly.js: measured on the demo map, 3.0-3.8 s of CPU per
    image with the reload, 1.8-2.5 s without, the same bytes out (plotly draws each image in a
    fresh element it purges)."""
    if not hasattr(base, "_return_kaleido_tab"):
        return base   # another kaleido: its own behaviour

    class Kaleido(base):
        _images = 0

        async def _return_kaleido_tab(self, tab: Any) -> None:
            if not hasattr(self, "tabs_ready"):     # not the kaleido this was written for
                return await super()._return_kaleido_tab(tab)
            self._images += 1
            if self._images % RELOAD_EVERY:
                await self.tabs_ready.put(tab)
                return

            async def reload_then_return() -> None:
                try:
                    await tab.reload()
                finally:
                    await self.tabs_ready.put(tab)

            task = asyncio.get_running_loop().create_task(reload_then_return())
            _background.add(task)
            task.add_done_callback(_background.discard)

    return Kaleido


_background: set[asyncio.Task] = set()   # the reloads under way (kept referenced until done)


def _drop(warm: _Warm) -> None:
    """Forget `warm` (if it is still the current one) and close it."""
    global _warm
    with _lock:
        if _warm is warm:
            _warm = None
    _close(warm)


def _close(warm: _Warm) -> None:
    """Close the browser and stop its loop; never raises (at exit, after a failure)."""
    try:
        asyncio.run_coroutine_threadsafe(warm.kaleido.close(), warm.loop).result(timeout=10)
    except BaseException:  # noqa: BLE001, S110 - a browser already gone is closed enough
        pass
    warm.loop.call_soon_threadsafe(warm.loop.stop)
    warm.thread.join(timeout=5)


atexit.register(shutdown)

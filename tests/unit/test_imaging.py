"""The warm browser behind map images (dashboard.output.imaging), with a fake kaleido: one browser
per process, started on first use, reused, dropped after a failure, new after a fork, closed at
the end. No browser is started here (tests/integration/test_warm_images.py draws for real)."""
from __future__ import annotations

import sys
import types

import pytest

from dashboard.output import imaging


class FakeKaleido:
    """Counts browsers opened and closed and images drawn; fails when told to."""

    opened: list[FakeKaleido] = []
    fail_next = False

    def __init__(self, **kwargs):
        self.kwargs, self.closed, self.drawn = kwargs, False, []

    async def open(self):
        FakeKaleido.opened.append(self)

    async def calc_fig(self, spec, opts=None):
        if FakeKaleido.fail_next:
            FakeKaleido.fail_next = False
            raise RuntimeError("the browser went away")
        self.drawn.append((spec, opts))
        return f"{opts['format']}:{len(spec['data'])}".encode()

    async def close(self):
        self.closed = True


@pytest.fixture
def fake(monkeypatch):
    module = types.ModuleType("kaleido")
    module.Kaleido = FakeKaleido
    monkeypatch.setitem(sys.modules, "kaleido", module)
    FakeKaleido.opened, FakeKaleido.fail_next = [], False
    imaging.shutdown()
    yield FakeKaleido
    imaging.shutdown()


FIG = {"data": [{"type": "scatter"}], "layout": {}}


def test_the_first_image_starts_one_browser_and_later_images_reuse_it(fake):
    assert not imaging.is_warm()
    assert imaging.render(FIG, "png", width=10, height=20) == b"png:1"
    assert imaging.render(FIG, "svg", width=10, height=20, scale=2) == b"svg:1"
    assert len(fake.opened) == 1 and imaging.is_warm()
    k = fake.opened[0]
    assert [o for _, o in k.drawn] == [
        {"format": "png", "width": 10, "height": 20, "scale": 1.0},
        {"format": "svg", "width": 10, "height": 20, "scale": 2}]
    assert k.kwargs["mathjax"] is False     # no CDN page: MathJax is never needed


def test_a_failed_drawing_drops_the_browser_and_the_next_image_starts_a_new_one(fake):
    imaging.render(FIG, "png", width=10, height=20)
    fake.fail_next = True
    with pytest.raises(RuntimeError, match="went away"):
        imaging.render(FIG, "png", width=10, height=20)
    assert fake.opened[0].closed and not imaging.is_warm()
    assert imaging.render(FIG, "png", width=10, height=20) == b"png:1"
    assert len(fake.opened) == 2 and not fake.opened[1].closed


def test_a_forked_process_starts_its_own_browser(fake, monkeypatch):
    imaging.render(FIG, "png", width=10, height=20)
    parent = imaging.os.getpid()
    monkeypatch.setattr(imaging.os, "getpid", lambda: parent + 1)
    assert not imaging.is_warm()
    imaging.render(FIG, "png", width=10, height=20)
    assert len(fake.opened) == 2
    assert not fake.opened[0].closed      # the parent's browser is the parent's to close


def test_shutdown_closes_the_browser(fake):
    imaging.warm_up()
    assert imaging.is_warm() and len(fake.opened) == 1
    imaging.shutdown()
    assert fake.opened[0].closed and not imaging.is_warm()
    imaging.shutdown()                    # twice is harmless


def test_the_tab_is_reloaded_only_every_so_many_images_and_always_given_back():
    import asyncio
    import concurrent.futures

    class Base:
        def __init__(self):
            self.tabs_ready = asyncio.Queue()

        async def _return_kaleido_tab(self, tab):   # kaleido's: reload, then give back
            await tab.reload()
            await self.tabs_ready.put(tab)

    class Tab:
        reloads = 0

        async def reload(self):
            Tab.reloads += 1

    async def draw(n):
        k, tab = imaging._kaleido_class(Base)(), Tab()
        for _ in range(n):
            await k._return_kaleido_tab(tab)
            assert await asyncio.wait_for(k.tabs_ready.get(), 1) is tab   # back for the next
        return Tab.reloads

    def run(coro):   # in a thread of its own: a browser test's Playwright may own this thread's loop
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, coro).result()

    assert run(draw(imaging.RELOAD_EVERY - 1)) == 0
    Tab.reloads = 0
    assert run(draw(imaging.RELOAD_EVERY)) == 1

"""In a browser: framed by an allowed and a refused origin, and behind a proxy that strips or
keeps the URL prefix. 127.0.0.1 and localhost on different ports are different origins."""
from __future__ import annotations

import inspect

import pytest

from dashboard.serve.app import create_app
from dashboard.settings import load_settings
from tests.deploy.conftest import CHROMIUM
from tests.deploy.servers import framing_page, prefix_proxy, serve_wsgi

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent: install "
                                 "Debian's chromium to run the browser tests")]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
DRAWN = "() => { const g = document.querySelector('#map .js-plotly-plot'); " \
        "return g && g.data && g.data.length > 0; }"


def in_own_thread(test):
    """Run `test(browser)` with a Chromium of its own, in a thread of its own: the sync
    Playwright API refuses to start where an event loop runs, as it does in a test process that
    already holds the browser tests' session-wide Playwright."""
    import functools
    from concurrent.futures import ThreadPoolExecutor

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        def body():
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
                try:
                    return test(b, *args, **kwargs)
                finally:
                    b.close()

        with ThreadPoolExecutor(1) as pool:
            return pool.submit(body).result()

    sig = inspect.signature(test)
    wrapper.__signature__ = sig.replace(parameters=[
        prm for name, prm in sig.parameters.items() if name != "browser"])
    return wrapper


def watched_page(browser):
    """A page recording console errors and requests leaving this machine (aborted)."""
    ctx = browser.new_context(viewport={"width": 1300, "height": 900})
    page = ctx.new_page()
    page.errors, page.outside = [], []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(f"pageerror: {e}"))

    def route(r):
        if r.request.url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:")):
            r.continue_()
        else:
            page.outside.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    return page


def late(holder: dict):
    """A WSGI app that calls holder["app"], set once the other servers' ports are known."""
    return lambda environ, start_response: holder["app"](environ, start_response)


@in_own_thread
def test_emb001_framed_by_an_allowed_origin_the_dashboard_runs(browser):
    from tests.synthetic import synthetic_dataset

    # the framing origins first (their ports), then the app that allows one of them
    holder: dict = {}
    allowed_url, stop_allowed = serve_wsgi(late(holder), host="localhost")
    refused_url, stop_refused = serve_wsgi(late(holder))
    app = create_app(synthetic_dataset(), load_settings(
        env={}, frame_ancestors=f"'self' {allowed_url.rstrip('/')}"))
    dash_url, stop_dash = serve_wsgi(app.server)
    holder["app"] = framing_page(dash_url)
    try:
        page = watched_page(browser)
        page.goto(allowed_url)
        frame = page.frame_locator("#dash")
        frame.locator("#map .js-plotly-plot").wait_for(timeout=30000)
        inner = next(f for f in page.frames if f.url.startswith(dash_url))
        inner.wait_for_function(DRAWN, timeout=30000)
        assert inner.locator("#card-total .card-value").inner_text().strip()
        assert page.errors == [] and page.outside == []
        page.context.close()

        page = watched_page(browser)
        page.goto(refused_url)
        page.wait_for_timeout(1500)
        inner = [f for f in page.frames if f is not page.main_frame]
        assert inner and inner[0].locator("#map").count() == 0   # blocked: nothing of ours ran
        assert any("frame-ancestors" in e for e in page.errors), page.errors
        page.context.close()
    finally:
        for stop in (stop_allowed, stop_refused, stop_dash):
            stop()


@in_own_thread
def test_emb002_default_allows_only_the_same_origin(browser):
    from tests.synthetic import synthetic_dataset

    app = create_app(synthetic_dataset(), load_settings(env={}))
    same_origin_frame = framing_page("/")

    def combined(environ, start_response):   # the dashboard plus a page of its own origin
        if environ["PATH_INFO"] == "/intranet":
            return same_origin_frame(environ, start_response)
        return app.server(environ, start_response)

    dash_url, stop_dash = serve_wsgi(combined)
    other_url, stop_other = serve_wsgi(framing_page(dash_url), host="localhost")
    try:
        page = watched_page(browser)
        page.goto(dash_url + "intranet")        # same origin: allowed by 'self'
        inner = page.frame_locator("#dash")
        inner.locator("#map .js-plotly-plot").wait_for(timeout=30000)
        assert page.errors == []
        page.context.close()

        page = watched_page(browser)
        page.goto(other_url)                     # localhost:other framing 127.0.0.1: refused
        page.wait_for_timeout(1500)
        assert any("frame-ancestors" in e for e in page.errors), page.errors
        page.context.close()
    finally:
        stop_dash(), stop_other()


@pytest.mark.parametrize("strip", [True, False], ids=["proxy-strips", "proxy-keeps"])
@in_own_thread
def test_emb003_behind_a_reverse_proxy_at_a_prefix(browser, strip):
    from tests.synthetic import synthetic_dataset

    app = create_app(synthetic_dataset(), load_settings(env={}, url_prefix="/maps/",
                                                        proxy_strips_prefix=strip))
    dash_url, stop_dash = serve_wsgi(app.server)
    proxy_url, stop_proxy = serve_wsgi(prefix_proxy(dash_url, "/maps/", strip))
    try:
        page = watched_page(browser)
        page.goto(proxy_url + "maps/?x=20")
        page.wait_for_function(DRAWN, timeout=30000)
        assert page.locator("#card-total .card-value").inner_text().strip()
        seen = []
        page.on("request", lambda r: seen.append(r.url))
        page.goto(proxy_url + "maps/?x=30&layer=ward_rank")
        page.wait_for_function(DRAWN, timeout=30000)
        assert all(u.startswith(proxy_url + "maps/") for u in seen if u.startswith(proxy_url))
        assert page.errors == [] and page.outside == []
        page.context.close()
    finally:
        stop_proxy(), stop_dash()

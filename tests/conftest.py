"""Shared fixtures: where the real public data lives, and skips when it does not."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Shared 2-core machines (and CI) stall now and then: a property must not fail on a slow example.
# "default" keeps the fast unit run fast; CI (.ci/run) sets HYPOTHESIS_PROFILE=thorough.
settings.register_profile("default", deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", deadline=None, max_examples=150,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("ANCHOR_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real public data (../shared/data); skips the test when it is absent."""
    if not (SHARED_DATA / "README.md").exists():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (set ANCHOR_SHARED_DATA to use it)")
    return SHARED_DATA


#: Lanes under ``pytest -n 4 --dist loadgroup`` (the README's command): the browser tests in two,
#: the deploy tests (gunicorn with 4 workers, Redis and Celery) in one, and the unit and
#: integration tests free on every worker. On a 2-core machine, more browsers or gunicorns at
#: once starved the pages and the exports (nice 10) they wait for: 15 s waits missed, a map image
#: past 90 s. Plain ``-n 2`` ran the suite in 18 min 53 s at 27% of the CPU, mostly waiting.
BROWSER_LANES = 2


def pytest_collection_modifyitems(config, items):
    """Give each browser file one of `BROWSER_LANES` xdist groups (whole files, biggest first,
    into the lane with fewest tests: module fixtures are set up once, imp002 follows imp001) and
    every deploy test the group "deploy"."""
    by_file: dict[str, list] = {}
    for item in items:
        path = str(item.fspath).replace(os.sep, "/")
        if "/tests/browser/" in path:
            by_file.setdefault(path, []).append(item)
        elif "/tests/deploy/" in path:
            item.add_marker(pytest.mark.xdist_group("deploy"))
    lanes = [0] * BROWSER_LANES
    for tests in sorted(by_file.values(), key=len, reverse=True):
        lane = lanes.index(min(lanes))
        lanes[lane] += len(tests)
        for item in tests:
            item.add_marker(pytest.mark.xdist_group(f"browser-{lane}"))

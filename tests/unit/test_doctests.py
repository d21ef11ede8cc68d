"""Every example written in a docstring runs, so the documentation cannot drift from the code."""
from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import dashboard
import layers


def _modules_with_examples() -> list[str]:
    """Every module of `dashboard` and `layers` whose source holds a `>>>` example."""
    names = []
    for package in (dashboard, layers):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            spec = importlib.util.find_spec(info.name)
            if spec and spec.origin and ">>> " in Path(spec.origin).read_text(encoding="utf-8"):
                names.append(info.name)
    return sorted(names)


MODULES = _modules_with_examples()


def test_the_examples_are_found() -> None:
    """The finder works: the modules known to carry examples are among those it finds."""
    assert {"dashboard.fmt", "dashboard.engine.periods", "dashboard.ingest.parse"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has '>>> ' in its source but no example ran"
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed (see above)"

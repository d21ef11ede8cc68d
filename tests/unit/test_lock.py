"""deploy/lock.py: the dependency closure from installed metadata and file hashes from a simple
index (the lock a deployment installs with pip --require-hashes)."""
from __future__ import annotations

from importlib import metadata

from packaging.requirements import Requirement

from deploy import lock


def test_closure_follows_installed_dependencies():
    pins = lock.closure([Requirement("flask>=3")])
    assert pins["flask"] == metadata.version("flask")
    assert {"werkzeug", "jinja2", "itsdangerous", "click"} <= set(pins)


def test_hashes_of_the_pinned_version_only_and_the_lock_text(tmp_path):
    page = tmp_path / "demo-pkg"
    page.mkdir()
    a, b, c = "a" * 64, "b" * 64, "c" * 64
    (page / "index.html").write_text(
        f'<a href="../../files/demo_pkg-1.0-py3-none-any.whl#sha256={a}">demo_pkg-1.0-py3-none-any.whl</a>\n'
        f'<a href="../../files/demo_pkg-1.0.tar.gz#sha256={b}">demo_pkg-1.0.tar.gz</a>\n'
        f'<a href="../../files/demo_pkg-1.1-py3-none-any.whl#sha256={c}">demo_pkg-1.1-py3-none-any.whl</a>\n')
    assert lock.file_hashes(str(tmp_path), "demo-pkg", "1.0") == [a, b]
    text = lock.lock_text({"demo-pkg": "1.0"}, {"demo-pkg": [a, b]})
    assert f"demo-pkg==1.0 \\\n    --hash=sha256:{a} \\\n    --hash=sha256:{b}" in text


def test_a_package_missing_from_the_index_is_an_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(lock, "runtime_requirements", lambda: [Requirement("packaging")])
    out = tmp_path / "req.lock"
    assert lock.main(["--index", str(tmp_path), "--out", str(out)]) == 2
    assert "packaging==" in capsys.readouterr().err and not out.exists()


def test_the_committed_lock_pins_every_runtime_package_with_hashes():
    """A package added to requirements.txt without `python -m deploy.lock` would make
    `pip install --require-hashes -r deploy/requirements.lock` install an incomplete set."""
    text = (lock.ROOT / "deploy" / "requirements.lock").read_text()
    pinned: dict[str, int] = {}
    name = None
    for line in text.splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            name = line.split("==", 1)[0]
            pinned[name] = 0
        elif name and "--hash=sha256:" in line:
            pinned[name] += 1
    needed = set(lock.closure(lock.runtime_requirements()))
    assert needed - set(pinned) == set(), "run python -m deploy.lock: the lock misses these"
    assert all(pinned.values()), "every pin carries at least one file hash"

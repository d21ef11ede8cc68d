"""Auth: basic auth from a hashed-password file and a trusted proxy's user header.

Static files and the health check are public; the page, its layout and dependencies, every
callback (downloads are callbacks) and the geometry need a user -- with the URL prefix too.
"""
from __future__ import annotations

import base64

import pytest
from werkzeug.security import generate_password_hash

from dashboard.serve.app import create_app
from dashboard.serve.auth import PasswordFile, read_password_file
from dashboard.serve.auth import main as auth_main
from dashboard.settings import load_settings
from tests.deploy.conftest import DashHTTP, get, gunicorn, http
from tests.synthetic import synthetic_dataset

PROTECTED = ["", "_dash-layout", "_dash-dependencies", "geometry/wards.geojson", "some/page"]
PUBLIC = ["health", "assets/app.css", "_favicon.ico"]


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture(scope="module")
def ds():
    return synthetic_dataset()


@pytest.fixture(scope="module")
def password_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("auth") / "users"
    path.write_text(f"# users of the dashboard\nalice:{generate_password_hash('correct horse')}\n"
                    f"bob:{generate_password_hash('battery staple', 'pbkdf2')}\n")
    return path


def suite_path(app, path: str) -> str:
    """A URL of one of Dash's component JavaScript files, as the page lists it."""
    import re

    html = app.server.test_client().get("/", headers=basic("alice", "correct horse")).text
    return re.search(r'src="(/[^"]*_dash-component-suites/[^"]+)"', html).group(1)


@pytest.mark.parametrize("prefix, strips", [("/", False), ("/maps/", False), ("/maps/", True)])
def test_auth001_basic_protects_everything_but_static_files_and_health(ds, password_file,
                                                                        prefix, strips):
    app = create_app(ds, load_settings(env={}, auth="basic", auth_file=str(password_file),
                                       url_prefix=prefix, proxy_strips_prefix=strips))
    c = app.server.test_client()
    routes = "/" if strips else prefix
    for path in PROTECTED:
        r = c.get(routes + path)
        assert r.status_code == 401, path
        assert r.headers["WWW-Authenticate"].startswith('Basic realm="Anchor Spend Map"')
        assert r.headers["Content-Security-Policy"]   # headers on refusals too
    for path in PUBLIC:
        assert c.get(routes + path).status_code == 200, path
    suites = app.server.test_client().get(routes, headers=basic("alice", "correct horse")).text
    import re

    js = re.search(r'src="[^"]*?(_dash-component-suites/[^"]+)"', suites).group(1)
    assert c.get(routes + js).status_code == 200
    # callbacks (and so downloads) need the user too
    body = {"output": "download.data", "outputs": {"id": "download", "property": "data"},
            "inputs": [{"id": "download-table", "property": "n_clicks", "value": 1},
                       {"id": "download-suppliers", "property": "n_clicks"}],
            "state": [{"id": "view-state", "property": "data", "value": ""}],
            "changedPropIds": ["download-table.n_clicks"]}
    assert c.post(routes + "_dash-update-component", json=body).status_code == 401
    ok = c.post(routes + "_dash-update-component", json=body,
                headers=basic("alice", "correct horse"))
    assert ok.status_code == 200 and "download" in ok.json["response"]
    assert c.get(routes, headers=basic("bob", "battery staple")).status_code == 200
    for wrong in (basic("alice", "wrong"), basic("carol", "correct horse"),
                  {"Authorization": "Basic !!!"}, {"Authorization": "Bearer x"}):
        assert c.get(routes, headers=wrong).status_code == 401
    # a path that only looks public is not: the health check matches exactly
    assert c.get(routes + "healthy").status_code == 401
    assert c.get(routes + "assets/../_dash-layout").status_code in (401, 404)


def test_auth002_repeated_wrong_passwords_are_refused_without_checking(ds, password_file,
                                                                       tmp_path):
    app = create_app(ds, load_settings(env={}, auth="basic", auth_file=str(password_file),
                                       auth_limits_file=str(tmp_path / "limits.sqlite")))
    c = app.server.test_client()
    codes = [c.get("/", headers=basic("alice", f"guess {i}")).status_code for i in range(12)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    assert c.get("/", headers=basic("bob", "battery staple")).status_code == 200


def test_auth003_password_file_changes_are_picked_up_and_plain_text_is_refused(tmp_path):
    path = tmp_path / "users"
    path.write_text(f"alice:{generate_password_hash('pw-one-123')}\n")
    pf = PasswordFile(path)
    assert pf.check("alice", "pw-one-123") is True
    assert pf.check("alice", "pw-one-123") is True          # remembered: no second hash check
    path.write_text(f"alice:{generate_password_hash('pw-two-456')}\n")
    pf._checked_at = 0.0                                      # skip the once-a-second wait
    assert pf.check("alice", "pw-one-123") is False
    assert pf.check("alice", "pw-two-456") is True
    path.write_text("alice:plaintext\n")
    with pytest.raises(ValueError, match="line 1"):
        read_password_file(path)
    with pytest.raises(ValueError, match="no users"):
        (tmp_path / "empty").write_text("# nobody\n")
        PasswordFile(tmp_path / "empty")
    with pytest.raises(ValueError, match="auth_file"):
        create_app(synthetic_dataset(), load_settings(env={}, auth="basic"))


def test_auth004_command_line_adds_and_removes_hashed_users(tmp_path, monkeypatch, capsys):
    import io

    path = tmp_path / "users"
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert auth_main(["add", "alice", "--file", str(path), "--password-stdin"]) == 0
    text = path.read_text()
    assert text.startswith("alice:scrypt:") and "a long password" not in text
    assert oct(path.stat().st_mode)[-3:] == "640"
    assert PasswordFile(path).check("alice", "a long password") is True
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert auth_main(["add", "bob", "--file", str(path), "--password-stdin"]) == 2
    assert auth_main(["remove", "alice", "--file", str(path)]) == 0
    assert read_password_file(path) == {}


def test_auth005_proxy_header_trusted_only_from_the_proxy(ds):
    app = create_app(ds, load_settings(env={}, auth="proxy", auth_header="X-Remote-User",
                                       auth_proxies="10.0.0.5 192.168.1.0/24"))
    c = app.server.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    assert c.get("/", environ_base=proxy, headers={"X-Remote-User": "alice"}).status_code == 200
    assert c.get("/", environ_base={"REMOTE_ADDR": "192.168.1.77"},
                 headers={"X-Remote-User": "alice"}).status_code == 200
    assert c.get("/", environ_base=proxy).status_code == 401          # proxy sent no user
    assert c.get("/", environ_base={"REMOTE_ADDR": "10.0.0.6"},
                 headers={"X-Remote-User": "alice"}).status_code == 403   # forged, not the proxy
    assert c.get("/", environ_base=proxy, headers={"X-Remote-User": "a\x01b"}).status_code == 401
    for path in PUBLIC:
        assert c.get("/" + path, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 200


@pytest.mark.slow
def test_auth006_basic_and_proxy_auth_under_gunicorn(tmp_path, password_file):
    with gunicorn(tmp_path, {"ANCHOR_AUTH": "basic", "ANCHOR_AUTH_FILE": str(password_file),
                             "ANCHOR_AUTH_LIMITS_FILE": str(tmp_path / "limits.sqlite")},
                  workers=2) as g:
        assert get(g.url).status == 401
        # the wrong-password limit is shared by the workers (it was 10 per worker): each try on
        # a new connection, so both workers answer some
        codes = [get(g.url, headers=basic("bob", f"guess {i}")).status for i in range(14)]
        assert codes.count(401) == 10 and codes[-1] == 429, codes
        assert get(g.url, headers=basic("alice", "correct horse")).status == 200
        assert get(g.url + "health").status == 200 and get(g.url + "assets/app.css").status == 200
        good = basic("alice", "correct horse")
        dash = DashHTTP(g.url, headers=good).open()
        r = dash.call("url.search", {"url.search": "?x=30"}, ["url.search"])
        assert r.status == 200 and "x=30" in r.json()["response"]["view-state"]["data"]
        assert DashHTTP(g.url, end_id=dash.end_id, deps=dash.deps).call(
            "url.search", {"url.search": "?x=30"}, ["url.search"]).status == 401
    # proxy mode: only 127.0.0.2 (the "proxy") may say who the user is
    with gunicorn(tmp_path, {"ANCHOR_AUTH": "proxy", "ANCHOR_AUTH_PROXIES": "127.0.0.2"},
                  workers=2) as g:
        user = {"X-Forwarded-User": "alice@council.example"}
        assert http("GET", g.url, headers=user, source="127.0.0.2").status == 200
        assert http("GET", g.url, source="127.0.0.2").status == 401
        assert http("GET", g.url, headers=user, source="127.0.0.1").status == 403
        assert http("GET", g.url + "health", source="127.0.0.1").status == 200

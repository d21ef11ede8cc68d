"""Roles viewer/editor/admin (issue 15): from the password file (``user:hash role``) and from a
trusted proxy's groups header; uploads and imports need the editor role, creating or replacing a
data set the admin role; every upload and import started is recorded with who did it."""
from __future__ import annotations

import base64

import pytest
from flask import g
from werkzeug.security import generate_password_hash

from dashboard.engine.model import build_dataset
from dashboard.errors import InputError
from dashboard.ingest.audit import read_audit
from dashboard.ingest.uploads import UploadStore, uploads_folder
from dashboard.serve.app import create_app
from dashboard.serve.auth import main as auth_main
from dashboard.serve.auth import read_password_entries
from dashboard.settings import load_settings
from dashboard.web.access import role_from_groups, roles_of
from dashboard.web.app import context_of
from dashboard.web.callbacks.data import start_import
from dashboard.web.callbacks.plan import current_editor
from tests import tiny

HASH = generate_password_hash("pw-12345678", "pbkdf2:sha256:1000")


def basic(user: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:pw-12345678".encode()).decode()}


def tiny_ds():
    return build_dataset(tiny.transactions(), tiny.SUPPLIERS, tiny.ANCHORS, tiny.LSOAS,
                         tiny.WARDS, name="tiny")


@pytest.fixture()
def basic_app(tmp_path):
    users = tmp_path / "users"
    users.write_text(f"vera:{HASH}\nedna:{HASH} editor\nadam:{HASH} ADMIN\n")
    return create_app(tiny_ds(), load_settings(env={}, auth="basic", auth_file=str(users),
                                               networks_dir=str(tmp_path / "networks"),
                                               auth_limits_file=str(tmp_path / "l.sqlite")))


def upload(client, headers, name="a.csv"):
    return client.post(f"/upload?kind=spend&name={name}", data=b"a,b\n1,2\n",
                       headers={"X-Anchor-Upload": "1", **headers})


def test_roles_are_cumulative_and_groups_map_to_roles():
    assert roles_of("viewer") == {"viewer"} and roles_of("admin") == {"viewer", "editor", "admin"}
    assert role_from_groups("staff;analysts", "analysts", "gis", "viewer") == "editor"
    assert role_from_groups("", "analysts", "gis", "viewer") == "viewer"
    assert role_from_groups("GIS staff", "analysts", "gis", "viewer") == "admin"


def test_the_password_file_carries_roles_and_the_command_writes_them(tmp_path, monkeypatch):
    path = tmp_path / "users"
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a-long-password\n"))
    assert auth_main(["add", "edna", "--file", str(path), "--password-stdin",
                      "--role", "editor"]) == 0
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("another-password\n"))
    assert auth_main(["add", "edna", "--file", str(path), "--password-stdin"]) == 0   # kept
    assert read_password_entries(path)["edna"][1] == "editor"
    path.write_text(f"x:{HASH} superuser\n")
    with pytest.raises(ValueError, match="line 1: unknown role"):
        read_password_entries(path)


def test_uploads_need_the_editor_role_and_are_recorded(basic_app, tmp_path):
    c = basic_app.server.test_client()
    r = upload(c, basic("vera"))              # no role written: default_role viewer
    assert r.status_code == 403 and "editor role" in r.json["error"]
    assert upload(c, basic("edna")).status_code == 200
    assert upload(c, basic("adam"), "b.csv").status_code == 200
    log = read_audit(tmp_path / "networks")
    assert [(e["user"], e["action"], e["file"]) for e in log] == [("edna", "upload", "a.csv"),
                                                                  ("adam", "upload", "b.csv")]


def test_proxy_groups_give_roles(tmp_path):
    app = create_app(tiny_ds(), load_settings(env={}, auth="proxy", editor_groups="analysts",
                                              networks_dir=str(tmp_path / "n")))
    c = app.server.test_client()
    assert upload(c, {"X-Forwarded-User": "bob"}).status_code == 403
    ok = upload(c, {"X-Forwarded-User": "bob", "X-Forwarded-Groups": "staff, analysts"})
    assert ok.status_code == 200 and read_audit(tmp_path / "n")[0]["user"] == "bob"


@pytest.mark.parametrize("roles, add, refused", [
    (roles_of("viewer"), ["add"], "needs the editor role"),
    (roles_of("editor"), [], "needs the admin role"),       # a new data set: admin
    (roles_of("editor"), ["add"], None),                     # adding to one: editor
    (roles_of("admin"), [], None),
])
def test_imports_need_editor_and_new_data_sets_admin(basic_app, roles, add, refused):
    app_ctx = context_of(basic_app)
    store = UploadStore(uploads_folder(app_ctx.settings))
    with basic_app.server.test_request_context("/"):
        g.user, g.roles = "someone", roles
        with pytest.raises(InputError) as err:
            start_import(app_ctx, store, None, [], None, None, None, "tiny", None, add, ["tiny"])
    if refused:
        assert refused in str(err.value)
    else:   # past the role checks: refused for what is missing, not for who asks
        assert "role" not in str(err.value)


def test_plan_edits_follow_the_roles(basic_app):
    with basic_app.server.test_request_context("/"):
        g.user, g.roles = "vera", roles_of("viewer")
        assert current_editor() is None
        g.roles = roles_of("admin")
        assert current_editor() == "vera"

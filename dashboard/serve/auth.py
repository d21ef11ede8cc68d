"""Who may see the dashboard: no one checked (local demo), HTTP basic auth, or a trusted proxy.

`install_auth(app, settings)` adds one Flask ``before_request`` hook. The static files (Dash's
``assets/`` folder, its component JavaScript, the favicon) and the health check stay public; every
other route -- the page, ``_dash-layout``, ``_dash-dependencies``, every callback (downloads are
callbacks) and the geometry files -- needs a user. Public paths are computed from the app's own
``routes_pathname_prefix`` (dash-auth's public routes ignore it: dash-auth issue 152).

``auth = "basic"``: users and password hashes in ``auth_file``, one ``user:hash`` line each, hashes
made by werkzeug (scrypt by default) with ``python -m dashboard.serve.auth add USER --file FILE``. A
hash costs about 0.1 s of CPU to check, and a browser sends the password with every request, so a
successful check is remembered for a few minutes, in memory, under an HMAC of the user, password
and hash with a random per-process key (no password is kept). The file is re-read when it changes.
Repeated failures are refused for a minute without checking, by limits per address and user,
per user and per address that every worker shares (``signin_limits``); an unknown user is refused
without hashing.

``auth = "proxy"``: a reverse proxy signs users in (OIDC, SAML, Kerberos ...) and puts the user in
``auth_header``. The header is believed only from the addresses in ``auth_proxies``; a request from
anywhere else is refused, so the app must not be reachable around the proxy with a forged header.
"""
from __future__ import annotations

import argparse
import base64
import binascii
import getpass
import hashlib
import hmac
import ipaddress
import os
import re
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from dash import Dash
from flask import Response, g, request
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.serve.signin_limits import FailureStore, default_path
from dashboard.settings import Settings
from dashboard.web.access import parse_role, role_from_groups, roles_of

REALM = "Anchor Spend Map"
REMEMBER_S = 300            # a checked password is trusted this long without a new hash check
_USER = re.compile(r"[^\s:][^:\x00-\x1f\x7f]{0,127}")
_HASH_METHODS = ("scrypt", "pbkdf2")


# --------------------------------------------------------------------------- public paths
def public_prefixes(app: Dash) -> tuple[str, ...]:
    """Path prefixes (as the app sees them, after any proxy stripped the URL prefix) that need no
    user: static files and the health check."""
    routes = app.config.routes_pathname_prefix
    assets = app.config.assets_url_path.strip("/")
    return (f"{routes}{assets}/", f"{routes}_dash-component-suites/", f"{routes}_favicon.ico",
            f"{routes}health")


def is_public(path: str, prefixes: tuple[str, ...]) -> bool:
    """Whether a request path is public; the health path and the favicon must match exactly
    (``health/`` or ``_favicon.icox`` would otherwise reach Dash's catch-all page route)."""
    for prefix in prefixes:
        if prefix.endswith(("health", ".ico")):
            if path == prefix:
                return True
        elif path.startswith(prefix) and "//" not in path:
            return True
    return False


def page_rules(app: Dash) -> frozenset[str]:
    """The URL rules of Dash's page shell (the index and its catch-all): never public."""
    routes = app.config.routes_pathname_prefix
    return frozenset({routes, f"{routes}<path:path>"})


def public_request(path: str, rule: str | None, prefixes: tuple[str, ...],
                   shell: frozenset[str]) -> bool:
    """Whether a request needs no user: its path is public AND it reaches a static route, not
    the page shell (``assets//x`` looks like an asset but Dash answers it with the page)."""
    return is_public(path, prefixes) and rule is not None and rule not in shell


# --------------------------------------------------------------------------- password file
def _valid_user(user: str) -> bool:
    return bool(_USER.fullmatch(user))


def _valid_hash(value: str) -> bool:
    return value.split(":", 1)[0] in _HASH_METHODS and value.count("$") == 2


def read_password_file(path: str | os.PathLike) -> dict[str, str]:
    """user -> werkzeug hash from a ``user:hash [role]`` file; ValueError naming the line when a
    line is not a user and a hash (a plain-text password is refused, never used)."""
    return {user: hashed for user, (hashed, _role) in read_password_entries(path).items()}


def read_password_entries(path: str | os.PathLike) -> dict[str, tuple[str, str | None]]:
    """user -> (hash, role or None) from a ``user:hash [role]`` file (the role, viewer, editor
    or admin, after a space: hashes have none); ValueError naming a bad line."""
    users: dict[str, tuple[str, str | None]] = {}
    text = Path(path).read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, rest = line.partition(":")
        hashed, _, role_text = rest.partition(" ")
        if not sep or not _valid_user(user) or not _valid_hash(hashed):
            raise ValueError(f"{path} line {number}: expected user:hash with a hash made by "
                             "`python -m dashboard.serve.auth add USER --file FILE`")
        try:
            role = parse_role(role_text)
        except ValueError as exc:
            raise ValueError(f"{path} line {number}: {exc}") from None
        users[user] = (hashed, role)
    return users


@dataclass
class PasswordFile:
    """A password file, re-read when it changes, with remembered successful checks."""

    path: Path
    _users: dict[str, str] = field(default_factory=dict)
    _roles: dict[str, str | None] = field(default_factory=dict)
    _stamp: tuple | None = None
    _checked_at: float = 0.0
    #: wrong-password limits, shared by the workers (None: this process's memory only)
    limits: FailureStore | None = None
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _good: dict[bytes, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        if self.limits is None:
            self.limits = FailureStore(None)
        self._reload(force=True)
        if not self._users:
            raise ValueError(f"{self.path}: no users: add one with `python -m dashboard.serve.auth add "
                             f"USER --file {self.path}`")

    def _reload(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked_at < 1.0:
            return
        self._checked_at = now
        try:
            st = self.path.stat()
        except OSError:
            if force:
                raise ValueError(f"auth_file {self.path} cannot be read: create it with "
                                 "`python -m dashboard.serve.auth add USER --file FILE`") from None
            return   # keep the users we had: a file being replaced is briefly absent
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if stamp == self._stamp:
            return
        try:
            entries = read_password_entries(self.path)
        except (OSError, ValueError):
            if force:
                raise
            return   # a half-written or broken new file: keep the previous users
        with self._lock:
            self._users = {u: h for u, (h, _r) in entries.items()}
            self._roles = {u: r for u, (_h, r) in entries.items()}
            self._stamp = stamp
            self._good.clear()

    def role_of(self, user: str) -> str | None:
        """The role written on the user's line (None when none is)."""
        return self._roles.get(user)

    def check(self, user: str, password: str, address: str = "") -> bool | None:
        """True for a right password, False for a wrong one or an unknown user, None when
        refused unchecked (too many recent failures: `signin_limits.FailureStore`, shared by
        the workers). A password checked in the last few minutes passes without a new check;
        an unknown user is refused at once, without hashing (spraying user names costs no CPU)."""
        self._reload()
        now = time.monotonic()
        hashed = self._users.get(user)
        limits = self.limits
        assert limits is not None
        if hashed is not None:
            token = hmac.new(self._key, b"\0".join(
                s.encode("utf-8", "surrogatepass") for s in (user, password, hashed)),
                hashlib.sha256).digest()
            with self._lock:
                if self._good.get(token, 0.0) > now:
                    return True
        if limits.refused(address, user):
            return None
        if hashed is None:
            limits.failed(address, user)
            return False
        ok = check_password_hash(hashed, password)
        if ok:
            with self._lock:
                if len(self._good) > 10_000:
                    self._good.clear()
                self._good[token] = now + REMEMBER_S
            limits.succeeded(address, user)
        else:
            limits.failed(address, user)
        return ok


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) of an ``Authorization: Basic`` header, None when absent or malformed."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep or not _valid_user(user) or len(password) > 1024:
        return None
    return user, password


# --------------------------------------------------------------------------- the hook
def _challenge(message: str) -> Response:
    return Response(message + "\n", status=401, mimetype="text/plain", headers={
        "WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"',
        "Cache-Control": "no-store"})


def _denied(message: str, status: int = 403) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain",
                    headers={"Cache-Control": "no-store"})


def trusted_networks(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(item, strict=False) for item in text.split() if item]


def _address_in(address: str | None, networks) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return False
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return any(ip in net for net in networks)


def install_auth(app: Dash, settings: Settings, *, health_public: bool = True) -> None:
    """Protect every route but the static files and the health check, as `settings.auth` says.

    `health_public` False (a saved data set's app at ``d/NAME/``) makes its health check need a
    user too: a public one would tell anyone which data sets exist. Fails at start-up
    (ValueError) when the mode cannot work: basic with no readable password file or no users in
    it, proxy with no trusted proxy address.
    """
    if settings.auth == "none":
        return
    prefixes = tuple(p for p in public_prefixes(app) if health_public or not p.endswith("health"))
    shell = page_rules(app)
    server = app.server

    def is_open() -> bool:
        rule = request.url_rule.rule if request.url_rule is not None else None
        return public_request(request.path, rule, prefixes, shell)

    if settings.auth == "basic":
        if not settings.auth_file:
            raise ValueError("auth=basic needs auth_file (ANCHOR_AUTH_FILE): a password file made "
                             "with `python -m dashboard.serve.auth add USER --file FILE`")
        passwords = PasswordFile(Path(settings.auth_file), limits=FailureStore(
            settings.auth_limits_file or default_path(settings.auth_file)))

        @server.before_request
        def _basic() -> Response | None:
            if is_open():
                return None
            creds = basic_credentials(request.headers.get("Authorization"))
            if creds is None:
                return _challenge("Sign in to see the dashboard.")
            verdict = passwords.check(*creds, address=request.remote_addr or "")
            if verdict is None:
                return _denied("Too many wrong passwords: wait a minute and try again.", 429)
            if not verdict:
                return _challenge("Wrong user name or password.")
            g.user = creds[0]
            g.roles = roles_of(passwords.role_of(creds[0]) or settings.default_role)
            request.environ["REMOTE_USER"] = creds[0]
            return None

        server.config["ANCHOR_PASSWORDS"] = passwords   # for tests and diagnostics
        return

    networks = trusted_networks(settings.auth_proxies)
    if not networks:
        raise ValueError("auth=proxy needs auth_proxies (ANCHOR_AUTH_PROXIES): the addresses of "
                         "the reverse proxies trusted to set the user header")
    header = settings.auth_header

    @server.before_request
    def _proxy() -> Response | None:
        if is_open():
            return None
        if not _address_in(request.remote_addr, networks):
            return _denied("This dashboard is reached through the intranet's sign-in proxy only.")
        user = (request.headers.get(header) or "").strip()
        if not user or len(user) > 256 or not user.isprintable():
            return _denied("Not signed in: open the dashboard through the intranet's sign-in "
                           "page.", 401)
        g.user = user
        g.roles = roles_of(role_from_groups(request.headers.get(settings.auth_groups_header),
                                            settings.editor_groups, settings.admin_groups,
                                            settings.default_role))
        request.environ["REMOTE_USER"] = user
        return None


# --------------------------------------------------------------------------- command line
def _write_atomic(path: Path, lines: list[str]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("".join(line + "\n" for line in lines))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    """``python -m dashboard.serve.auth add|remove|list USER --file FILE``: manage the password file."""
    parser = argparse.ArgumentParser(prog="python -m dashboard.serve.auth",
                                     description="Manage the password file for auth=basic.")
    parser.add_argument("action", choices=("add", "remove", "list"))
    parser.add_argument("user", nargs="?")
    parser.add_argument("--file", required=True, help="the password file (auth_file)")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input instead of asking")
    parser.add_argument("--role", choices=("viewer", "editor", "admin"),
                        help="the user's role (add; kept when omitted for an existing user; "
                             "default_role when none is written)")
    args = parser.parse_args(argv)
    path = Path(args.file)
    try:
        entries = read_password_entries(path) if path.exists() else {}
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    users = {u: h for u, (h, _r) in entries.items()}
    roles = {u: r for u, (_h, r) in entries.items()}
    if args.action == "list":
        print("\n".join(f"{u} {roles[u] or '(default role)'}" for u in sorted(users)))
        return 0
    if not args.user or not _valid_user(args.user):
        print("give a user name without ':' or spaces at the start", file=sys.stderr)
        return 2
    if args.action == "remove":
        if users.pop(args.user, None) is None:
            print(f"no user {args.user!r} in {path}", file=sys.stderr)
            return 2
    else:
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = getpass.getpass(f"Password for {args.user}: ")
            if password != getpass.getpass("Again: "):
                print("the passwords differ", file=sys.stderr)
                return 2
        if len(password) < 8:
            print("use a password of at least 8 characters", file=sys.stderr)
            return 2
        users[args.user] = generate_password_hash(password)
        roles[args.user] = args.role or roles.get(args.user)
    _write_atomic(path, [f"{u}:{h}" + (f" {roles[u]}" if roles.get(u) else "")
                         for u, h in sorted(users.items())])
    print(f"{args.action}: {args.user} ({len(users)} user(s) in {path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

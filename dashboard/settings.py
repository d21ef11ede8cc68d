"""Every setting of the web app, declared once as data: name, environment variable, default, help.

`SETTINGS` is the single source of truth: `load_settings` reads it, `docs/settings.md` lists it and a
test checks that every name is documented. An optional TOML config file (its path in `ANCHOR_CONFIG`,
keys are setting names) overrides the defaults; environment variables (`ANCHOR_*`) override the file;
keyword overrides (used by tests and the command line) override everything.
"""
from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, make_dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected true/false, got {text!r}")


def _most_deprived(text: str) -> int:
    value = int(text)
    if value not in (10, 20, 30):
        raise ValueError("expected 10, 20 or 30")
    return value


def _prefix(text: str) -> str:
    """A URL prefix always starts and ends with "/"."""
    text = text.strip() or "/"
    return "/" + text.strip("/") + "/" if text.strip("/") else "/"


def _redis_url(text: str) -> str:
    """Empty, or a redis://, rediss:// or unix:// URL (what redis-py and Celery accept)."""
    text = text.strip()
    if text and not re.match(r"(rediss?|unix)://\S+$", text):
        raise ValueError("expected redis://HOST:PORT/DB, rediss://... or unix:///PATH")
    return text


_SOURCE = re.compile(r"'self'|'none'|\*|(?:[a-z][a-z0-9+.-]*:)"
                     r"|(?:[a-z][a-z0-9+.-]*://)?(?:\*\.)?[a-z0-9.-]+(?::(?:\d{1,5}|\*))?",
                     re.IGNORECASE)


def _frame_ancestors(text: str) -> str:
    """CSP frame-ancestors sources separated by spaces or commas: 'self', 'none', origins.

    Each source is checked, so a value can never inject another CSP directive or header.
    """
    sources = [t for t in re.split(r"[\s,]+", text.strip()) if t]
    if not sources:
        raise ValueError("give 'self', 'none' or origins such as https://intranet.example.org")
    for src in sources:
        if not _SOURCE.fullmatch(src):
            raise ValueError(f"{src!r} is not a CSP source ('self', 'none' or an origin)")
    if "'none'" in sources and len(sources) > 1:
        raise ValueError("'none' cannot be combined with other sources")
    return " ".join(sources)


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("expected a whole number above 0")
    return value


def _auth_mode(text: str) -> str:
    value = text.strip().lower() or "none"
    if value not in ("none", "basic", "proxy"):
        raise ValueError("expected none, basic or proxy")
    return value


def _header_name(text: str) -> str:
    value = text.strip()
    if not re.fullmatch(r"[A-Za-z0-9-]{1,64}", value):
        raise ValueError("expected an HTTP header name such as X-Forwarded-User")
    return value


def _role(text: str) -> str:
    value = text.strip().lower()
    if value not in ("viewer", "editor", "admin"):
        raise ValueError("expected viewer, editor or admin")
    return value


def _names(text: str) -> str:
    """Group names separated by spaces or commas (no other characters that could split them)."""
    items = [t for t in re.split(r"[\s,]+", text.strip()) if t]
    for item in items:
        if not re.fullmatch(r"[\w.@=/-]{1,128}", item):
            raise ValueError(f"{item!r} is not a group name")
    return " ".join(items)


def _networks(text: str) -> str:
    """Addresses or networks (CIDR) separated by spaces or commas, each checked."""
    items = [t for t in re.split(r"[\s,]+", text.strip()) if t]
    for item in items:
        ipaddress.ip_network(item, strict=False)   # ValueError names the bad one
    return " ".join(items)


def _network(text: str) -> str:
    """A saved data set's name (a folder inside networks_dir): letters, digits, - and _."""
    value = text.strip()
    if value and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", value):
        raise ValueError(f"{value!r} is not a data set name: use the name given to `python -m "
                         "dashboard import` (letters, digits, - and _)")
    return value


@dataclass(frozen=True)
class Setting:
    """One setting: its name, environment variable, default, parser and a line of help."""

    name: str
    env: str
    default: Any
    parse: Callable[[str], Any]
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("host", "ANCHOR_HOST", "127.0.0.1", str,
            "Address the web server listens on (0.0.0.0 to accept other machines)."),
    Setting("port", "ANCHOR_PORT", 8050, int, "Port the web server listens on."),
    Setting("debug", "ANCHOR_DEBUG", False, _bool,
            "Dash debug mode (reloader, error pop-ups). Never on a public server."),
    Setting("data_dir", "ANCHOR_DATA_DIR", str(ROOT / "data" / "demo"), str,
            "Folder of the saved data set to show (default: the embedded fictional demo)."),
    Setting("tile_url", "ANCHOR_TILE_URL", "", str,
            "Optional raster tile URL template ({z}/{x}/{y}) drawn under the map; empty = no "
            "tiles (plain white background, works offline)."),
    Setting("tile_attribution", "ANCHOR_TILE_ATTRIBUTION", "", str,
            "Attribution text shown on the map when a tile URL is set (required by most tile "
            "providers)."),
    Setting("url_prefix", "ANCHOR_URL_PREFIX", "/", _prefix,
            "Path the browser uses to reach the app, e.g. /maps/ (Dash requests_pathname_prefix)."),
    Setting("proxy_strips_prefix", "ANCHOR_PROXY_STRIPS_PREFIX", False, _bool,
            "True when a reverse proxy removes url_prefix before forwarding, so the app serves "
            "its routes at / (Dash routes_pathname_prefix)."),
    Setting("presentation", "ANCHOR_PRESENTATION", False, _bool,
            "Open in presentation mode (big type, filters collapsed) unless the link says "
            "otherwise."),
    Setting("compress", "ANCHOR_COMPRESS", True, _bool,
            "Compress responses (zstd, brotli or gzip, as the browser accepts): the page's "
            "JavaScript goes from 8.7 MB to about 2.5 MB. Turn off when a reverse proxy "
            "compresses instead."),
    Setting("most_deprived", "ANCHOR_MOST_DEPRIVED", 10, _most_deprived,
            "Default X of \"most deprived X%\": 10, 20 or 30."),
    Setting("frame_ancestors", "ANCHOR_FRAME_ANCESTORS", "'self'", _frame_ancestors,
            "Sites allowed to show the dashboard in a frame (CSP frame-ancestors): 'self', "
            "'none', or origins separated by spaces, e.g. https://intranet.example.org."),
    Setting("upload_limit_mb", "ANCHOR_UPLOAD_LIMIT_MB", 200, _positive,
            "Largest file a user may upload, in MB; bigger request bodies are refused (413)."),
    Setting("callback_limit_mb", "ANCHOR_CALLBACK_LIMIT_MB", 4, _positive,
            "Largest request body of any request but an upload (the page's callbacks), in MB; "
            "bigger bodies are refused (413) before they are read. Uploads stream through their "
            "own route with upload_limit_mb."),
    Setting("open_to_network", "ANCHOR_OPEN_TO_NETWORK", False, _bool,
            "Allow listening on an address other machines can reach (not loopback) with "
            "auth=none, so that anyone who reaches the port sees the data. Off: such a start "
            "is refused, naming this setting."),
    Setting("auth", "ANCHOR_AUTH", "none", _auth_mode,
            "Who may see the dashboard: none (local demo), basic (users in auth_file) or proxy "
            "(a reverse proxy that signs users in sets auth_header)."),
    Setting("auth_file", "ANCHOR_AUTH_FILE", "", str,
            "Password file for auth=basic: one user:hash line each, made with `python -m "
            "dashboard.serve.auth add USER --file FILE` (hashed, never plain text)."),
    Setting("auth_limits_file", "ANCHOR_AUTH_LIMITS_FILE", "", str,
            "For auth=basic: the SQLite file in which every worker of this machine counts wrong "
            "passwords (per address and user, per user, per address); empty = a file in the "
            "temp folder. Keep it on a local disk."),
    Setting("auth_header", "ANCHOR_AUTH_HEADER", "X-Forwarded-User", _header_name,
            "For auth=proxy: the request header in which the reverse proxy puts the signed-in "
            "user."),
    Setting("auth_proxies", "ANCHOR_AUTH_PROXIES", "127.0.0.1 ::1", _networks,
            "For auth=proxy: addresses or networks (CIDR) of the proxies trusted to set "
            "auth_header; requests from anywhere else are refused."),
    Setting("default_role", "ANCHOR_DEFAULT_ROLE", "viewer", _role,
            "Role of a signed-in user with none given (no role on their password file line, or "
            "no editor or admin group from the proxy): viewer (see), editor (also upload, import "
            "into existing data sets, edit the plan and assessments) or admin (also create and "
            "replace data sets)."),
    Setting("auth_groups_header", "ANCHOR_AUTH_GROUPS_HEADER", "X-Forwarded-Groups",
            _header_name,
            "For auth=proxy: the request header in which the proxy lists the user's groups "
            "(believed only from auth_proxies)."),
    Setting("editor_groups", "ANCHOR_EDITOR_GROUPS", "", _names,
            "For auth=proxy: groups (space separated) whose members are editors."),
    Setting("admin_groups", "ANCHOR_ADMIN_GROUPS", "", _names,
            "For auth=proxy: groups (space separated) whose members are admins."),
    Setting("export_workers", "ANCHOR_EXPORT_WORKERS", 1, _positive,
            "Processes per web worker that make exports (map images, the report, tables), so "
            "that long exports never run on the web threads."),
    Setting("exports_per_user", "ANCHOR_EXPORTS_PER_USER", 2, _positive,
            "Exports one user (or client address, with no sign-in) may have queued or running "
            "in a web worker at a time (on all machines together when redis_url is set); one "
            "more is refused (429) until one finishes."),
    Setting("redis_url", "ANCHOR_REDIS_URL", "", _redis_url,
            "Redis for long work shared between machines, e.g. redis://queue.internal:6379/0: "
            "empty = exports and imports run on this machine (a local queue); set = they run "
            "on Celery workers (`celery -A dashboard.serve.celery_app worker`), with limits, "
            "state and progress in Redis, so any web worker on any machine answers."),
    Setting("workers", "ANCHOR_WORKERS", 4, _positive,
            "Gunicorn worker processes (deploy/gunicorn.conf.py); about 2 per CPU core."),
    Setting("timeout", "ANCHOR_TIMEOUT", 60, _positive,
            "Seconds a gunicorn worker may spend on one request before it is restarted."),
    Setting("network", "ANCHOR_NETWORK", "", _network,
            "Name of a saved data set in networks_dir to show (`python app.py --network NAME`); "
            "when set it replaces data_dir."),
    Setting("networks_dir", "ANCHOR_NETWORKS_DIR", str(ROOT / "data" / "networks"), str,
            "Folder of the saved data sets (`python -m dashboard import` and the page's import "
            "write there); the page lists them and switches between them."),
    Setting("imports", "ANCHOR_IMPORTS", True, _bool,
            "Let users upload files and import data sets from the page (into networks_dir); "
            "false for a read-only dashboard."),
    Setting("reference_dir", "ANCHOR_REFERENCE_DIR", str(ROOT / "data" / "reference"), str,
            "Folder of the reference files (postcode directory, deprivation, boundaries) that "
            "imports made in the page use when the data set shown records none that still exist; "
            "the reference_* patterns are looked up in it. Fill it with `python -m dashboard "
            "reference` (the files as ONS and MHCLG publish them; it writes current/KIND/...)."),
    Setting("reference_postcodes", "ANCHOR_REFERENCE_POSTCODES",
            "**/NSPL*.csv* current/postcodes/*", str,
            "Postcode directory (NSPL or ONSPD) for page imports: glob patterns relative to "
            "reference_dir (or absolute), separated by spaces; every matching file is used."),
    Setting("reference_imd", "ANCHOR_REFERENCE_IMD", "**/File_1* current/imd/*", str,
            "Deprivation file (IoD File 1, CSV or XLSX) for page imports: glob patterns "
            "relative to reference_dir; exactly one file must match."),
    Setting("reference_population", "ANCHOR_REFERENCE_POPULATION",
            "**/File_6* current/population/*", str,
            "Population denominators (IoD File 6) for page imports; empty or no match = none."),
    Setting("reference_wards", "ANCHOR_REFERENCE_WARDS", "current/wards/*", str,
            "Ward boundaries (GeoJSON, GeoPackage or zipped shapefile) for page imports; empty "
            "or no match = none (the map then shows no wards)."),
    Setting("reference_lsoas", "ANCHOR_REFERENCE_LSOAS", "current/lsoas/*", str,
            "LSOA boundaries for page imports; empty or no match = none."),
    Setting("reference_lsoa_lookup", "ANCHOR_REFERENCE_LSOA_LOOKUP", "current/lsoa_lookup/*",
            str,
            "LSOA 2011 to 2021 lookup for page imports (IoD2025 with a postcode directory on "
            "2011 LSOAs); empty or no match = none."),
)

#: Environment variable naming the optional TOML config file (keys are setting names).
CONFIG_ENV = "ANCHOR_CONFIG"
#: Settings that name files or folders: relative paths in the config file are taken from its folder.
PATH_SETTINGS = ("data_dir", "auth_file", "auth_limits_file", "networks_dir", "reference_dir")


class _Resolved:
    """What a resolved Settings does beyond holding values (its fields come from `SETTINGS`)."""

    network: str
    networks_dir: str
    proxy_strips_prefix: bool
    url_prefix: str

    def __post_init__(self) -> None:
        """A named network replaces data_dir: the data set NAME inside networks_dir."""
        if self.network:
            object.__setattr__(self, "data_dir",
                               str(Path(self.networks_dir) / _network(self.network)))

    @property
    def routes_prefix(self) -> str:
        """Dash routes_pathname_prefix: "/" behind a prefix-stripping proxy, else the URL prefix."""
        return "/" if self.proxy_strips_prefix else self.url_prefix


#: Resolved settings, one field per declaration in `SETTINGS` (same name, type of its default,
#: same default): a setting is added in one place only.
Settings = make_dataclass(
    "Settings", [(s.name, type(s.default), field(default=s.default)) for s in SETTINGS],
    bases=(_Resolved,), frozen=True,
    namespace={"__module__": __name__,
               "__doc__": "Resolved settings (see `SETTINGS` for what each one means)."})


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then the config file named by ANCHOR_CONFIG, then `ANCHOR_*` environment
    variables, then keyword overrides.

    A malformed value raises ValueError naming the variable (or the file and key), so a typo in a
    deployment fails at start-up rather than silently using a default.
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    if env.get(CONFIG_ENV, "").strip():
        values.update(read_config(env[CONFIG_ENV].strip()))
    for s in SETTINGS:
        if s.env in env:
            try:
                values[s.name] = s.parse(env[s.env])
            except ValueError as exc:
                raise ValueError(f"{s.env}={env[s.env]!r}: {exc}") from None
    unknown = set(overrides) - {f.name for f in fields(Settings)}
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    return replace(Settings(), **{**values, **overrides})


def read_config(path: str | os.PathLike) -> dict[str, Any]:
    """The settings of a TOML config file: top-level keys named like the settings.

    Unknown keys are an error (a misspelt key would otherwise be silently ignored); relative
    paths are taken from the file's folder.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except OSError as exc:
        raise ValueError(f"{CONFIG_ENV}={str(path)!r}: cannot read the config file "
                         f"({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from None
    by_name = {s.name: s for s in SETTINGS}
    unknown = sorted(set(raw) - set(by_name))
    if unknown:
        raise ValueError(f"{path}: unknown settings {unknown}; known: {sorted(by_name)}")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (int, float, str)):
            text = str(value)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            text = " ".join(value)
        else:
            raise ValueError(f"{path}: {key}: expected a string, number or true/false")
        try:
            parsed = by_name[key].parse(text)
        except ValueError as exc:
            raise ValueError(f"{path}: {key} = {value!r}: {exc}") from None
        if key in PATH_SETTINGS and parsed and not os.path.isabs(parsed):
            parsed = str((path.parent / parsed).resolve())
        values[key] = parsed
    return values


def is_loopback(host: str) -> bool:
    """Whether a listening address is reachable from this machine only ("localhost", 127.x, ::1;
    a unix socket counts as local)."""
    host = host.strip().strip("[]")
    if host.startswith("unix:") or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False   # a host name or 0.0.0.0-like wildcard: other machines may reach it


def bind_host(bind: str) -> str:
    """The host part of a gunicorn bind ("0.0.0.0:8050", "[::]:8050", "unix:/run/x.sock")."""
    if bind.startswith("unix:"):
        return bind
    if bind.startswith("["):
        return bind[1:bind.index("]")]
    return bind.rsplit(":", 1)[0] if bind.count(":") == 1 else bind


def open_without_sign_in(settings: Any, hosts: list[str]) -> str | None:
    """Why a start must be refused, or None: a non-loopback address with auth=none and
    `open_to_network` off (the Docker image bound 0.0.0.0 with no sign-in by default)."""
    if settings.auth != "none" or settings.open_to_network:
        return None
    public = [h for h in hosts if not is_loopback(bind_host(h))]
    if not public:
        return None
    return (f"listening on {', '.join(public)} with no sign-in (auth=none) would show the data to "
            "anyone who reaches that address: set auth (ANCHOR_AUTH=basic or proxy), listen on "
            "127.0.0.1 behind a reverse proxy, or set ANCHOR_OPEN_TO_NETWORK=true if that is "
            "really meant")


def settings_markdown() -> str:
    """The settings as a Markdown table (docs/settings.md is generated from this)."""
    lines = ["| setting | environment variable | default | what it does |",
             "| --- | --- | --- | --- |"]
    for s in SETTINGS:
        default = s.default
        if isinstance(default, str) and default.startswith(str(ROOT) + os.sep):
            default = Path(default).relative_to(ROOT).as_posix()   # data/demo, not this machine's
        shown = f"`{default}`" if default not in ("", None) else "(empty)"
        lines.append(f"| `{s.name}` | `{s.env}` | {shown} | {s.help} |")
    return "\n".join(lines) + "\n"

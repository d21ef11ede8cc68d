"""Every setting of the web app, declared once as data: name, environment variable, default, help.

`SETTINGS` is the single source of truth: `load_settings` reads it, `docs/settings.md` lists it and a
test checks that every name is documented. Environment variables (`ANCHOR_*`) override defaults;
keyword overrides (used by tests and the command line) override both.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Callable, Mapping

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
    Setting("most_deprived", "ANCHOR_MOST_DEPRIVED", 10, _most_deprived,
            "Default X of \"most deprived X%\": 10, 20 or 30."),
)


@dataclass(frozen=True)
class Settings:
    """Resolved settings (see `SETTINGS` for what each one means)."""

    host: str = "127.0.0.1"
    port: int = 8050
    debug: bool = False
    data_dir: str = str(ROOT / "data" / "demo")
    tile_url: str = ""
    tile_attribution: str = ""
    url_prefix: str = "/"
    proxy_strips_prefix: bool = False
    presentation: bool = False
    most_deprived: int = 10

    @property
    def routes_prefix(self) -> str:
        """Dash routes_pathname_prefix: "/" behind a prefix-stripping proxy, else the URL prefix."""
        return "/" if self.proxy_strips_prefix else self.url_prefix


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then `ANCHOR_*` environment variables, then keyword overrides.

    A malformed environment value raises ValueError naming the variable, so a typo in a deployment
    fails at start-up rather than silently using a default.
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for s in SETTINGS:
        if s.env in env:
            try:
                values[s.name] = s.parse(env[s.env])
            except ValueError as exc:
                raise ValueError(f"{s.env}={env[s.env]!r}: {exc}") from None
    unknown = set(overrides) - {f.name for f in fields(Settings)}
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    return replace(Settings(), **values, **overrides)


def settings_markdown() -> str:
    """The settings as a Markdown table (docs/settings.md is generated from this)."""
    lines = ["| setting | environment variable | default | what it does |",
             "| --- | --- | --- | --- |"]
    for s in SETTINGS:
        default = s.default
        if s.name == "data_dir":
            default = "data/demo"
        shown = f"`{default}`" if default not in ("", None) else "(empty)"
        lines.append(f"| `{s.name}` | `{s.env}` | {shown} | {s.help} |")
    return "\n".join(lines) + "\n"

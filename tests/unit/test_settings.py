"""Settings: declared once, overridable by ANCHOR_* variables, and every one documented."""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from dashboard.settings import SETTINGS, Settings, load_settings, settings_markdown

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "docs" / "settings.md"]


def test_every_setting_is_declared_once_and_matches_the_dataclass():
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    assert names == [f.name for f in fields(Settings)]
    defaults = Settings()
    for s in SETTINGS:
        assert getattr(defaults, s.name) == s.default, s.name
        assert s.env == "ANCHOR_" + s.name.upper()
        assert s.help.strip()


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented(setting):
    text = "\n".join(p.read_text(encoding="utf-8") for p in DOCS if p.exists())
    assert f"`{setting.name}`" in text, f"document {setting.name} in README.md or docs/settings.md"
    assert setting.env in text


def test_docs_settings_page_is_generated_from_the_declarations():
    page = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert settings_markdown() in page, "regenerate docs/settings.md from settings_markdown()"


def test_environment_overrides_defaults_and_keywords_override_both():
    env = {"ANCHOR_PORT": "9000", "ANCHOR_DEBUG": "yes", "ANCHOR_URL_PREFIX": "maps",
           "ANCHOR_MOST_DEPRIVED": "20", "ANCHOR_PRESENTATION": "1", "UNRELATED": "x"}
    s = load_settings(env=env, host="0.0.0.0")
    assert (s.port, s.debug, s.url_prefix, s.most_deprived, s.presentation, s.host) == (
        9000, True, "/maps/", 20, True, "0.0.0.0")
    assert s.routes_prefix == "/maps/"
    assert load_settings(env={"ANCHOR_URL_PREFIX": "/maps/", "ANCHOR_PROXY_STRIPS_PREFIX": "true"}
                         ).routes_prefix == "/"
    assert load_settings(env={}) == Settings()


@pytest.mark.parametrize("env", [{"ANCHOR_PORT": "eighty"}, {"ANCHOR_DEBUG": "perhaps"},
                                 {"ANCHOR_MOST_DEPRIVED": "15"}])
def test_malformed_values_fail_loudly_naming_the_variable(env):
    with pytest.raises(ValueError, match=next(iter(env))):
        load_settings(env=env)


def test_unknown_keyword_is_an_error():
    with pytest.raises(TypeError):
        load_settings(env={}, colour="red")

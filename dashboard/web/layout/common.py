"""Small accessible building blocks: labelled controls, fieldsets, visually hidden text."""
from __future__ import annotations

from typing import Any

from dash import dcc, html


def fieldset(legend: str, control: Any, *, hint: str | None = None, class_name: str = ""
             ) -> html.Fieldset:
    """A group of checkboxes or radios with a visible legend (its accessible name)."""
    children: list[Any] = [html.Legend(legend)]
    if hint:
        children.append(html.P(hint, className="hint"))
    children.append(control)
    return html.Fieldset(children, className=f"field {class_name}".strip())


def labelled(label: str, control_id: str, control: Any, *, hint: str | None = None) -> html.Div:
    """A single control with a <label for=...> naming it."""
    children: list[Any] = [html.Label(label, htmlFor=control_id, id=f"{control_id}-label")]
    if hint:
        children.append(html.P(hint, className="hint"))
    children.append(control)
    return html.Div(children, className="field")


def checklist(id_: str, options: list[dict], value: list, *, inline: bool = False
              ) -> dcc.Checklist:
    """Native checkboxes (keyboard and screen-reader friendly, 24px targets via CSS)."""
    return dcc.Checklist(id=id_, options=options, value=value, inline=inline,
                         className="choices" + (" inline" if inline else ""),
                         labelClassName="choice", inputClassName="choice-input")


def radios(id_: str, options: list[dict], value: Any, *, inline: bool = False) -> dcc.RadioItems:
    """Native radio buttons."""
    return dcc.RadioItems(id=id_, options=options, value=value, inline=inline,
                          className="choices" + (" inline" if inline else ""),
                          labelClassName="choice", inputClassName="choice-input")


def dropdown(id_: str, options: list[dict], value: Any, *, multi: bool, placeholder: str
             ) -> dcc.Dropdown:
    """A searchable dropdown for long lists (wards, categories, districts)."""
    return dcc.Dropdown(id=id_, options=options, value=value, multi=multi,
                        placeholder=placeholder, clearable=True, className="dropdown",
                        maxHeight=320)


def hidden(text: str, **kwargs: Any) -> html.Span:
    """Text for screen readers only."""
    return html.Span(text, className="visually-hidden", **kwargs)

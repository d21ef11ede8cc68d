"""What the command line's subcommands share: reading a date option and printing a result."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date

from dashboard.errors import InputError


def iso_date(value: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option as a date (None when not given); InputError naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r} is not a date: write it as YYYY-MM-DD") from None


def emit(result: dict, fmt: str, text: Callable[[dict], str]) -> int:
    """Print a result as JSON or as the text the table format gives; exit status 0."""
    if fmt == "json":
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(text(result))
    return 0

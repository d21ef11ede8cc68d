"""Errors a user can act on: every message says what is wrong, where, and what to do."""
from __future__ import annotations


class InputError(ValueError):
    """Bad input (a file, a column, a setting): the message is shown to the user as it is."""

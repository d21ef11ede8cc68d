"""Pure view logic (no Dash imports): URL state, formatting, cards, tables, drill-down, sentences.

Callbacks are thin glue over these functions, so everything the page shows is testable as plain
Python.
"""

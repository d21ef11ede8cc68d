"""Output: what leaves the server as files (safe CSV/XLSX cells, tables, map images, the printable
report, the metric contract's JSON). Depends on view, layers and engine; never on Dash.
"""

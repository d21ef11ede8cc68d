"""The engine: the read-only data set and the figures computed from it (numpy and pandas only).

Nothing here imports Dash, Flask, plotly or any other part of the project but `dashboard.errors`.
"""

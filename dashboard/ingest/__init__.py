"""Ingest: files in, saved data sets out (readers, parsing, geocoding, the importer, the store, jobs).

Depends on the engine only; never on the page, Dash or Flask.
"""

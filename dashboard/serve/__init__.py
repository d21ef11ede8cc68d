"""Serving: the WSGI composition of data sets, routes (geometry, exports, uploads), security
headers, sign-in, the health check and compression, around the page that `dashboard.web` builds.
"""

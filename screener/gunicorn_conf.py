"""Gunicorn settings from the environment, with safe defaults for a small server.

Used by ``make serve``: ``gunicorn --config python:screener.gunicorn_conf screener.wsgi:app``.
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("SCREENER_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SCREENER_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("SCREENER_THREADS", "1"))
timeout = int(os.environ.get("SCREENER_TIMEOUT", "30"))
preload_app = True
# TLS straight from gunicorn (between a proxy and the app, or in tests). On the internet,
# gunicorn sits behind nginx (README): its sync workers are easily held by slow clients.
certfile = os.environ.get("SCREENER_CERTFILE") or None
keyfile = os.environ.get("SCREENER_KEYFILE") or None
accesslog = os.environ.get("SCREENER_ACCESS_LOG", "-")
# One JSON object a line: method, path (no query string), status, size and time only.
# Answers travel in the signed cookie and form bodies, which are never part of it.
access_log_format = ('{"time": "%(t)s", "remote": "%(h)s", "method": "%(m)s", '
                     '"path": "%(U)s", "status": %(s)s, "bytes": "%(B)s", "ms": %(M)s}')

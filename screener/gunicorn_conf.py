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
# "-" is standard output; an empty value turns the access log off.
accesslog = os.environ.get("SCREENER_ACCESS_LOG", "-") or None
# One JSON object a line: time, client address, method, path (no query string), status,
# size and duration. Answers travel in the session cookie and form bodies, never in it.
# SCREENER_ACCESS_LOG_ADDRESS=false leaves the client address out.
_address = os.environ.get("SCREENER_ACCESS_LOG_ADDRESS", "true").lower() not in (
    "0", "false", "no", "off")
access_log_format = ('{"time": "%(t)s", ' + ('"remote": "%(h)s", ' if _address else "")
                     + '"method": "%(m)s", "path": "%(U)s", "status": %(s)s, '
                     '"bytes": "%(B)s", "ms": %(M)s}')

# Prometheus counters shared by the workers (prometheus_client's multiprocess mode): each
# worker writes its counts to files in this folder and /metrics adds them up, whichever
# worker answers the scrape. Set before the app (and prometheus_client) is imported.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    import atexit
    import shutil
    import tempfile

    _metrics_dir = tempfile.mkdtemp(prefix="screener-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir
    atexit.register(shutil.rmtree, _metrics_dir, True)


def child_exit(server, worker) -> None:  # type: ignore[no-untyped-def]
    """A worker that ended stops counting towards the live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)

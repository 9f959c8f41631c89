"""Gunicorn settings from the environment, with safe defaults for a small server.

Used by ``make serve``: ``gunicorn --config python:screener.gunicorn_conf screener.wsgi:app``.
"""

from __future__ import annotations

import gc
import multiprocessing
import os

bind = os.environ.get("SCREENER_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SCREENER_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("SCREENER_THREADS", "1"))
timeout = int(os.environ.get("SCREENER_TIMEOUT", "30"))
preload_app = True
# TLS straight from gunicorn (between a proxy and the app, or in tests). On the internet,
# gunicorn sits behind nginx (docs/deploy.md): its sync workers are easily held by slow clients.
certfile = os.environ.get("SCREENER_CERTFILE") or None
keyfile = os.environ.get("SCREENER_KEYFILE") or None
accesslog = os.environ.get("SCREENER_ACCESS_LOG", "-")
# One JSON object a line (screener/accesslog.py): time, client network, method, path,
# status and duration. Answers travel in form bodies and the encrypted cookie, never logged.
logger_class = "screener.accesslog.AccessLog"
# gunicorn 25.1+ opens a control socket for ``gunicornc`` at one fixed path per user
# (``$XDG_RUNTIME_DIR/gunicorn.ctl`` or ``~/.gunicorn/gunicorn.ctl``): two instances on one
# host share it, and stopping either removes the other's. None unless this instance is
# given its own path (older gunicorns ignore both settings).
control_socket = os.environ.get("SCREENER_CONTROL_SOCKET", "")
control_socket_disable = not control_socket


def on_starting(server) -> None:  # noqa: ANN001 - gunicorn's Arbiter
    """Say plainly, for every rate limit, when it is counted per worker, not per client:
    with ``memory://`` each worker counts alone, so a client gets the limit once per worker.
    The app is loaded already (``preload_app``): its own settings give the figures."""
    from screener.web.ratelimit_storage import per_worker_warnings

    config = server.app.wsgi().config
    for line in per_worker_warnings(config, getattr(server, "num_workers", workers)):
        server.log.warning(line)


def pre_fork(server, worker) -> None:  # type: ignore[no-untyped-def]
    """Before each worker is forked from the loaded app (``preload_app``), move what the
    app holds for good (rules, catalogue, templates, translations: about 125,000 objects)
    out of the garbage collector's sight, as Python's ``gc.freeze`` documentation advises
    for forking servers: full collections no longer walk them, so the collector neither
    spends time on them nor writes to the memory pages a worker shares with the master."""
    gc.freeze()


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

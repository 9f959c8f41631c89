"""The WSGI entry point (``gunicorn screener.wsgi:app``).

A broken rule set or a missing secret stops start-up here with the readable report and
exit code 3, instead of a traceback per worker.
"""

from __future__ import annotations

import sys

from . import create_app
from .config import ConfigError
from .problems import ProblemsError

try:
    app = create_app()
except (ProblemsError, ConfigError) as exc:
    print(f"The screener cannot start.\n{exc}", file=sys.stderr)
    sys.exit(3)

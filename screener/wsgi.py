"""The WSGI entry point (``gunicorn screener.wsgi:app``).

A broken rule set or a missing secret stops start-up here with the readable report and
exit code 3, instead of a traceback per worker.
"""

from __future__ import annotations

import sys

from .app import create_app
from .config import ConfigError
from .problems import ProblemsError

try:
    app = create_app()
except (ProblemsError, ConfigError) as exc:
    print(f"The screener cannot start.\n{exc}", file=sys.stderr)
    sys.exit(3)

# WeasyPrint (the PDF, ~1 s to import) loaded once here, before gunicorn forks its workers
# (preload_app), not by each worker's first PDF while it holds the server's render slot.
import weasyprint  # noqa: E402, F401

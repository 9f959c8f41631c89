"""Links that read the same on every page, built once per path the app is served under.

A page's header and footer link the stylesheets, the script, the favicon and the
clinic's own pages: about ten ``url_for`` calls a page, each a few microseconds of route
building, for addresses that change only with the prefix a proxy serves the app under
(``SCRIPT_NAME``). ``fixed_url`` builds each once per prefix. The language switch uses it
too: its link names the page, and the store is bounded (least recently used dropped).
Each app has its own store, so two apps in one process never see each other's routes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from flask import Flask, request, url_for


def fixed_url_of(app: Flask) -> Callable[..., str]:
    """``fixed_url(endpoint, **values)``: ``url_for(endpoint, **values)`` for a full
    endpoint name and hashable values, built once per path prefix for ``app``."""

    @lru_cache(maxsize=512)
    def built(script_root: str, endpoint: str, values: tuple[tuple[str, object], ...]) -> str:
        return url_for(endpoint, **dict(values))

    def fixed_url(endpoint: str, **values: object) -> str:
        if endpoint.startswith("."):
            raise ValueError(f"fixed_url needs a full endpoint name, not {endpoint!r}")
        return built(request.script_root, endpoint, tuple(values.items()))

    app.extensions["screener.fixed_url"] = fixed_url
    return fixed_url

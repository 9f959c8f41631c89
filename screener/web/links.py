"""Links that read the same on every page, built once per path the app is served under.

A page's header and footer link the stylesheets, the script, the favicon and the
clinic's own pages: about ten ``url_for`` calls a page, each a few microseconds of route
building, for addresses that change only with the prefix a proxy serves the app under
(``SCRIPT_NAME``). ``fixed_url`` builds each once per prefix. The language switch uses it
too: its link names the page, and the store is bounded (least recently used dropped).
Each app makes its own pair, so two apps in one process never see each other's routes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app, request, url_for

from ..config import public_url

# The only query parameters a page keeps when its language changes: any other (an
# ``endpoint`` or ``_method`` that ``url_for`` would take as its own) is dropped.
KEPT_QUERY = ("return", "back")


def local_path(target: str | None, fallback: str) -> str:
    """``target`` when it is a path on this site, else ``fallback``: for ``?back=`` and
    ``?next=``, which anyone can put in a link.

    Only visible ASCII is kept: browsers drop tabs and newlines inside an address and read
    ``\\`` as ``/``, so ``/<tab>/evil.example`` or ``/\\evil.example`` would leave the site;
    ``//host`` and ``scheme:`` are addresses elsewhere.
    """
    if (not target or not target.startswith("/") or target.startswith("//")
            or "\\" in target or not all("!" <= ch <= "~" for ch in target)):
        return fallback
    parts = urlsplit(target)
    return fallback if parts.scheme or parts.netloc else target


def configured_url(endpoint: str, **values: object) -> str:
    """``endpoint``'s full address at SCREENER_BASE_URL, for text a patient keeps; only its
    path when that is not set. Never built from the request's Host (a client chooses it)."""
    path = url_for(endpoint, **values)
    return public_url(current_app.config, path.removeprefix(request.script_root)) or path


def make_fixed_url() -> Callable[..., str]:
    """A new ``fixed_url(endpoint, **values)`` with a store of its own: ``url_for(endpoint,
    **values)`` for a full endpoint name and hashable values, built once per path prefix."""

    @lru_cache(maxsize=512)
    def built(script_root: str, endpoint: str, values: tuple[tuple[str, object], ...]) -> str:
        return url_for(endpoint, **dict(values))

    def fixed_url(endpoint: str, **values: object) -> str:
        if endpoint.startswith("."):
            raise ValueError(f"fixed_url needs a full endpoint name, not {endpoint!r}")
        return built(request.script_root, endpoint, tuple(values.items()))

    return fixed_url


def make_switch_url(fixed_url: Callable[..., str]) -> Callable[[str], str]:
    """``switch_url(code)``: this page in language ``code``, or the landing page when this
    one cannot be fetched (a form's post)."""

    def switch_url(code: str) -> str:
        rule = request.url_rule
        if rule is None or "GET" not in (rule.methods or ()):
            return fixed_url("patient.landing", lang=code)
        args = {k: request.args[k] for k in KEPT_QUERY if k in request.args}
        return fixed_url(request.endpoint, **(request.view_args or {}), **args, lang=code)

    return switch_url

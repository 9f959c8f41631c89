"""The app's own CSS and script, minified once at start-up and served with an ETag.

Pages must stay under 30 KB together with their assets, on a phone, with no CDN; the
sources in ``static/`` stay readable while browsers get the compact form.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Mapping
from pathlib import Path

from flask import Flask, Response, abort, request

_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_SPACE = re.compile(r"\s*([{};,>])\s*|(:)\s+")
_JS_COMMENT_LINE = re.compile(r"^\s*/\*.*\*/\s*$", re.M)


def minify_css(text: str) -> str:
    text = " ".join(_CSS_COMMENT.sub("", text).split())
    return _CSS_SPACE.sub(lambda m: m.group(1) or m.group(2), text).replace(";}", "}")


def minify_js(text: str) -> str:
    """Drops whole-line comments and indentation only: safe for any script."""
    lines = (line.strip() for line in _JS_COMMENT_LINE.sub("", text).splitlines())
    return "\n".join(line for line in lines if line)


_MINIFIERS = {".css": minify_css, ".js": minify_js}


def register_assets(app: Flask, *folders: Path, generated: Mapping[str, bytes] | None = None,
                    appendix: Mapping[str, str] | None = None) -> None:
    """Serve ``folders`` at /static/ under the endpoint name ``static``.

    An earlier folder's file wins over a later one's (a clinic's override folder comes
    first); ``generated`` files (logo, favicon) are served as given, and ``appendix``
    text is added to the end of a stylesheet (the brand colour's custom properties).
    """
    bodies: dict[str, bytes] = dict(generated or {})
    for folder in reversed(folders):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = path.relative_to(folder).as_posix()
                text = (path.read_text(encoding="utf-8") + (appendix or {}).get(name, "")
                        if path.suffix in _MINIFIERS else None)
                bodies[name] = (_MINIFIERS[path.suffix](text).encode() if text is not None
                                else path.read_bytes())
    files = {name: (body, hashlib.sha256(body).hexdigest()) for name, body in bodies.items()}

    def static(filename: str) -> Response:
        if filename not in files:
            abort(404)
        body, etag = files[filename]
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        response = Response(body, mimetype=mimetype)
        response.set_etag(etag[:32])
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response.make_conditional(request)

    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=static)

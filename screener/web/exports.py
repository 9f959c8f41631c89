"""Downloads of a result: text, JSON (staff) and the patient's PDF, each ending with the
disclaimer."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import Response

from ..engine.evaluate import Result
from ..exports.render import result_json, result_text
from ..resources import data_dir


def download(result: Result, answers: dict[str, Any], fmt: str) -> Response:
    """A file download of ``result`` as ``txt`` or ``json``; never cached."""
    if fmt == "json":
        body = json.dumps({"answers": answers} | result_json(result), indent=2,
                          ensure_ascii=False)
        mimetype = "application/json"
    else:
        body = result_text(result, answers)
        mimetype = "text/plain"
    return _attachment(body, mimetype, fmt)


def _attachment(body: str | bytes, mimetype: str, fmt: str) -> Response:
    stamp = date.today().isoformat()
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="spine-screening-{stamp}.{fmt}"')
    response.headers["Cache-Control"] = "no-store"
    return response


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The PDF is made from the page and the app's CSS alone: nothing is fetched."""
    raise ValueError(f"not fetched: {url}")


def render_pdf(html: str) -> bytes:
    """The printed handout (``print.html``) as a PDF, made on the server by WeasyPrint
    (about 1.25 s of CPU: ``web/pdf.py`` bounds how often and how many at once)."""
    from weasyprint import CSS, HTML

    static = data_dir("static")
    css = [CSS(string=(static / name).read_text(encoding="utf-8"))
           for name in ("screener.css", "patient.css")]
    return HTML(string=html, url_fetcher=_no_fetching).write_pdf(stylesheets=css)


def pdf_attachment(pdf: bytes) -> Response:
    return _attachment(pdf, "application/pdf", "pdf")

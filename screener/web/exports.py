"""Downloads of a result as files, and the patient's PDF format.

The formats themselves are in ``exports/`` (``registry.FORMATS``); the PDF is made from the
printed page (a Flask template) by WeasyPrint, so it registers here, bounded by
``web/pdf.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, current_app, render_template
from flask_babel import format_date

from ..exports.registry import Format, Source, register
from ..exports.render import answered_rows
from ..i18n import N_
from ..resources import data_dir
from .security import limit_client


def attachment(body: str | bytes, fmt: Format, filename: str) -> Response:
    """``body`` as a file download of ``fmt``, named ``filename``; never cached."""
    response = Response(body, mimetype=fmt.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def dated_name(fmt: Format) -> str:
    """The file name of a patient's or nurse's download: ``spine-screening-<date>.<ext>``."""
    return f"spine-screening-{date.today().isoformat()}.{fmt.extension}"


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


def _admit() -> None:
    if current_app.config["RATELIMIT_ENABLED"]:
        limit_client("pdf", current_app.config["PDF_RATE_LIMIT"])


def pdf_of(source: Source) -> bytes:
    """The printed page as a PDF, within this client's limit (``TooManyRequests``) and the
    server's render slots (``pdf.Busy``); needs a request."""
    locale = source.result.locale
    today = format_date(source.today or date.today(), "long")

    def page() -> str:
        return render_template("print.html", result=source.result, pdf=True,
                               rows=answered_rows(source.answers, locale), today=today)

    maker = current_app.extensions["screener.pdf"]
    return maker.make([source.answers, locale, today], page, _admit)  # type: ignore[no-any-return]


PDF = register(Format("pdf", "application/pdf", "pdf", frozenset({"patient"}), pdf_of,
                      label=N_("Download a PDF"), rank=10))

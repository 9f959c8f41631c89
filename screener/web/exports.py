"""Downloads of a result: the text summary and the JSON, each ending with the disclaimer."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import Response

from ..evaluate import Result
from ..render import result_json, result_text


def download(result: Result, answers: dict[str, Any], fmt: str) -> Response:
    """A file download of ``result`` as ``txt`` or ``json``; never cached."""
    stamp = date.today().isoformat()
    if fmt == "json":
        body = json.dumps({"answers": answers} | result_json(result), indent=2,
                          ensure_ascii=False)
        mimetype = "application/json"
    else:
        body = result_text(result, answers)
        mimetype = "text/plain"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="spine-screening-{stamp}.{fmt}"')
    response.headers["Cache-Control"] = "no-store"
    return response

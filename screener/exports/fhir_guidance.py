"""A result as FHIR: a document Bundle (Composition + the response), or an OperationOutcome.

The Composition's sections are the guidance topics in the result's order, each coded by
its topic id; then the safety net when the result has one; the referral disclaimer is
always the last section, added here by code like everywhere else.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from markupsafe import escape

from ..engine.evaluate import Result
from ..engine.rulemodels import Topic
from ..engine.safety_net import safety_net_title
from ..i18n import t
from .fhir_read import Issue

TOPIC_SYSTEM = "urn:miss-screener:topic"
SECTION_SYSTEM = "urn:miss-screener:section"
DOCUMENT_SYSTEM = "urn:miss-screener:document"
XHTML = "http://www.w3.org/1999/xhtml"


def _div(inner: str) -> dict[str, str]:
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{inner}</div>'}


def _code(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _topic_html(topic: Topic, locale: str) -> str:
    """The topic as the result page shows it, with its sources for the clinic's record."""
    ask_title, sources = t("Questions you could ask:", locale), t("Sources:", locale)
    html = f"<p>{escape(topic.body.in_locale(locale))}</p>"
    asks = "".join(f"<li>{escape(a.in_locale(locale))}</li>" for a in topic.ask)
    if asks:
        html += f"<p>{escape(ask_title)}</p><ul>{asks}</ul>"
    return html + f"<p>{escape(sources)} {escape('; '.join(topic.sources))}</p>"


def guidance_sections(result: Result, source: str) -> list[tuple[dict[str, Any], str]]:
    """(section, its narrative's inner XHTML): topics, safety net if any, disclaimer last."""
    loc = result.locale
    parts = [(TOPIC_SYSTEM, topic.id, topic.title.in_locale(loc), _topic_html(topic, loc))
             for topic in result.topics]
    if result.safety_net:
        parts.append((SECTION_SYSTEM, "safety-net", safety_net_title(loc),
                      f"<p>{escape(result.safety_net)}</p>"))
    parts.append((SECTION_SYSTEM, "disclaimer", t("Important", loc),
                  f"<p>{escape(result.disclaimer)}</p>"))
    return [({"title": title, "code": _code(system, code, title), "text": _div(html)}
             | ({"entry": [{"reference": source}]} if system == TOPIC_SYSTEM else {}), html)
            for system, code, title, html in parts]


def guidance_bundle(response: dict[str, Any], result: Result,
                    when: datetime | None = None) -> dict[str, Any]:
    """A document Bundle: the guidance Composition first, then the response it came from."""
    loc = result.locale
    stamp = (when or datetime.now(UTC)).isoformat(timespec="seconds")
    composition_url, response_url = (f"urn:uuid:{uuid.uuid4()}" for _ in range(2))
    title = t("Spine surgery self-screening summary ({date})", loc).format(date=stamp[:10])
    sections = guidance_sections(result, response_url)
    composition = {
        "resourceType": "Composition",
        "language": loc,
        "status": "final",
        "type": _code(DOCUMENT_SYSTEM, "guidance", t("Guidance", loc)),
        "date": stamp,
        "author": [{"display": t("Minimally invasive spine surgery: educational "
                                 "self-screening", loc)}],
        "title": title,
        "text": _div("".join(f"<h2>{escape(s['title'])}</h2>{html}" for s, html in sections)),
        "section": [section for section, _ in sections],
    }
    return {
        "resourceType": "Bundle",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"},
        "type": "document",
        "timestamp": stamp,
        "entry": [{"fullUrl": composition_url, "resource": composition},
                  {"fullUrl": response_url, "resource": response}],
    }


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [
        {"severity": i.severity, "code": i.code, "diagnostics": i.diagnostics}
        | ({"expression": list(i.expression)} if i.expression else {}) for i in issues]}

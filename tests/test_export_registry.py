"""Export formats as one list: a format registered once is offered to its audience (the
patient's result page, the nurse's intake, the staff area, the API, the command line) and
to no one else; every registered format ends with the disclaimer."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

import screener.web.exports  # noqa: F401  (the PDF registers from the web layer)
from screener.cli import main
from screener.engine.disclaimer import record_disclaimer
from screener.engine.evaluate import evaluate
from screener.engine.safety_net import safety_net
from screener.exports.nurse import RECORD_SAFETY_NET, CallRecord
from screener.exports.registry import (
    FORMATS,
    Format,
    Source,
    find,
    formats_for,
    register,
    unregister,
)
from screener.i18n import t

from .conftest import COMPLETE_ANSWERS, WizardActions, form_encode

TINY_MEDIA = "text/x-tiny"
# Who may have a format, and which of them the command line serves.
AUDIENCES = ["patient", "nurse", "staff", "api"]
CLI_AUDIENCES = {"api", "staff"}


def tiny_text(source: Source) -> str:
    return f"tiny: {len(source.result.topics)} topics\n\n{source.result.disclaimer}\n"


@pytest.fixture
def tiny(request):
    """A new format, one registration, for the audience the test names; gone afterwards."""
    fmt = register(Format("tiny", TINY_MEDIA, "tiny", frozenset({request.param}), tiny_text,
                          label="Download tiny"))
    yield fmt
    unregister(fmt)


@pytest.mark.parametrize("tiny", AUDIENCES, indirect=True)
def test_a_new_format_is_offered_to_its_audience_and_no_other(client, tiny, ruleset):
    audience = next(iter(tiny.audiences))
    expected = tiny_text(Source(COMPLETE_ANSWERS, evaluate(ruleset, COMPLETE_ANSWERS)))

    WizardActions(client).complete(COMPLETE_ANSWERS)
    page = client.get("/result").get_data(as_text=True)
    download = client.get("/result/summary.tiny")
    assert ('href="/result/summary.tiny"' in page) is (audience == "patient")
    assert download.status_code == (200 if audience == "patient" else 404)

    client.post("/intake", data=form_encode(COMPLETE_ANSWERS))
    intake = client.get("/intake/result").get_data(as_text=True)
    nurse_download = client.get("/intake/summary.tiny")
    assert ('href="/intake/summary.tiny"' in intake) is (audience == "nurse")
    assert nurse_download.status_code == (200 if audience == "nurse" else 404)

    api = client.post("/api/v1/evaluate", json=COMPLETE_ANSWERS, headers={"Accept": TINY_MEDIA})
    assert api.status_code == 200
    assert (api.mimetype == TINY_MEDIA) is (audience == "api")

    cli = CliRunner().invoke(main, ["evaluate", "-", "--format", "tiny"],
                             input=json.dumps(COMPLETE_ANSWERS))
    help_text = CliRunner().invoke(main, ["evaluate", "--help"]).output
    assert ("tiny" in help_text) is (audience in CLI_AUDIENCES)
    assert cli.exit_code == (0 if audience in CLI_AUDIENCES else 2), cli.output

    offered = {"patient": download, "nurse": nurse_download, "api": api}
    if audience in offered:
        assert offered[audience].get_data(as_text=True) == expected
    if audience in CLI_AUDIENCES:
        assert cli.output == expected


@pytest.mark.parametrize("tiny", ["staff", "patient"], indirect=True)
def test_a_new_staff_format_is_linked_downloaded_and_audited(nurse_client, sent, store, tiny):
    sid, _ = sent(1)
    staff = "staff" in tiny.audiences
    page = nurse_client.get(f"/staff/submissions/{sid}").get_data(as_text=True)
    assert (f'href="/staff/submissions/{sid}/summary.tiny"' in page) is staff
    response = nurse_client.get(f"/staff/submissions/{sid}/summary.tiny")
    assert response.status_code == (200 if staff else 404)
    details = [line.detail for line in store.audit.page(limit=1000)[0]]
    assert ("tiny" in details) is staff
    if staff:
        assert response.mimetype == TINY_MEDIA and "attachment" in response.headers[
            "Content-Disposition"]


def test_a_format_is_registered_once_under_one_file_name_per_audience():
    text = find("staff", "summary", "txt")
    assert text is not None
    with pytest.raises(ValueError, match="registered already"):
        register(Format(text.name, "text/plain", "text", frozenset({"api"}), tiny_text))
    with pytest.raises(ValueError, match="both summary.txt"):
        register(Format("other", "text/plain", "txt", frozenset({"staff"}), tiny_text))
    with pytest.raises(ValueError, match="audiences must be among"):
        Format("x", "text/plain", "x", frozenset({"everyone"}), tiny_text)
    assert FORMATS.count(text) == 1


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_audience_is_offered_something(audience):
    assert formats_for(audience)


def said(fmt: Format, body: str | bytes) -> str:
    """What a file says, in reading order, whatever its format."""
    if fmt.media_type == "application/pdf":
        assert isinstance(body, bytes)
        pages = PdfReader(io.BytesIO(body)).pages
        return " ".join(" ".join(p.extract_text() for p in pages).replace("•", " ").split())
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    if not fmt.media_type.endswith("json"):
        return " ".join(text.split())
    data = json.loads(text)
    if "text" in data and "div" in data["text"]:  # FHIR: the narrative
        return " ".join(data["text"]["div"].replace("</p></div>", "").split())
    assert list(data)[-1] == "disclaimer"
    return " ".join(str(data["disclaimer"]).split())


@pytest.mark.parametrize("red_flags", [["none"], ["saddle_numbness"]], ids=["calm", "emergency"])
@pytest.mark.parametrize("fmt", FORMATS, ids=[f.name for f in FORMATS])
def test_every_registered_format_ends_with_the_disclaimer(app, ruleset, fmt, red_flags):
    answers = COMPLETE_ANSWERS | {"red_flags": red_flags}
    result = evaluate(ruleset, answers)
    call = CallRecord("R-1", datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    with app.test_request_context("/result/summary"):
        body = fmt.render(Source(answers, result, call=call))
    words = said(fmt, body)
    if fmt.name == "nurse-record":  # the record's one line of each, for the EHR
        ending, net = record_disclaimer(), t(RECORD_SAFETY_NET, "en").format(number="911")
    else:
        ending, net = result.disclaimer, safety_net()
    assert words.endswith(" ".join(ending.split()))
    if fmt.media_type.startswith("text/") or fmt.media_type == "application/pdf":
        assert (" ".join(net.split()) in words) is not result.stopped

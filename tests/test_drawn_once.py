"""Question blocks kept from an earlier view are exactly the blocks drawn afresh.

The intake page and the question pages reuse each question's block once it was drawn for
a language and an answer, and the intake page its questions as a whole
(screener/web/fragments.py). Whatever anyone answered before, in whichever language, a
page must read exactly as if it were drawn for this person alone.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings

from screener.app import create_app
from screener.catalogue.answers import visible_pages
from screener.catalogue.questions import QUESTIONS
from screener.catalogue.sampling import RandomChooser, answer_set
from screener.web.fragments import FORM_LIMIT, LIMIT, catalogue_state

from .conftest import WizardActions, answer_sets, form_encode

SETTINGS = {"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
            "RATELIMIT_ENABLED": False, "USAGE_COUNTS": False}


@pytest.fixture(scope="module")
def keeping():
    """An app that keeps the blocks it drew, shared by every example below."""
    app = create_app(SETTINGS)
    assert not app.jinja_env.auto_reload
    return app


@pytest.fixture(scope="module")
def fresh():
    """An app that draws every block afresh (as while templates reload)."""
    return create_app({**SETTINGS, "TEMPLATES_AUTO_RELOAD": True})


BLOCK = re.compile(r'<div class="question.*?</fieldset>\s*</div>', re.DOTALL)
CSRF_TOKEN = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*"')


def blocks(response) -> list[str]:
    return BLOCK.findall(response.get_data(as_text=True))


def pages_seen(client, answers) -> dict[str, list[str]]:
    """The question blocks of every page a person sees after answering, in both
    languages, and of the intake page."""
    WizardActions(client).complete(answers)
    seen = {}
    for lang in ("en", "es"):
        for page in visible_pages(answers):
            seen[f"{lang} {page.id}"] = blocks(client.get(
                f"/step/{page.id}?return=review&lang={lang}"))
        client.post("/intake", data=form_encode(answers))
        intake = client.get("/intake")
        seen[f"{lang} intake"] = blocks(intake)
        seen[f"{lang} intake page"] = [CSRF_TOKEN.sub(r"\1…", intake.get_data(as_text=True))]
    return seen


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=answer_sets())
def test_kept_blocks_read_as_blocks_drawn_afresh(keeping, fresh, answers):
    kept = pages_seen(keeping.test_client(), answers)
    drawn = pages_seen(fresh.test_client(), answers)
    assert kept.keys() == drawn.keys()
    for name, page in kept.items():
        assert page and page == drawn[name], name


def test_a_block_with_an_error_is_drawn_for_its_page_only(keeping):
    client = keeping.test_client()
    refused = client.post("/step/urgent", data={}, follow_redirects=True)
    assert refused.status_code == 422 and 'class="error-message"' in refused.get_data(as_text=True)
    assert 'class="error-message"' not in client.get("/step/urgent").get_data(as_text=True)


@pytest.mark.parametrize(("qid", "data", "kept"), [
    ("red_flags", None, True),
    ("red_flags", [], True),
    ("red_flags", ["fever", "night_pain"], True),
    ("red_flags", ["fever", "typed by someone"], False),
    ("age_band", "40_59", True),
    ("age_band", "<script>", False),
    ("pain_score", 7, True),
    ("pain_score", 700, False),
    ("pain_score", "7", True),
    ("pain_score", "07", False),
    ("pain_score", "11", False),
    ("pain_score", "٣", False),
    ("pain_score", "²", False),
])
def test_only_empty_or_catalogue_answers_are_kept(qid, data, kept):
    """The store never holds what a person typed, and cannot grow past the catalogue."""
    assert (catalogue_state(QUESTIONS[qid], data) is not None) is kept


def test_the_store_stays_small_however_many_calls_are_drawn():
    """Whole intake forms (about 18 KB each) are kept FORM_LIMIT at a time, blocks LIMIT."""
    app = create_app(SETTINGS)
    drawings = app.jinja_env.globals["all_drawn_once"].__self__
    client = app.test_client()
    for seed in range(FORM_LIMIT + 10):
        client.post("/intake/new")
        client.post("/intake", data=form_encode(answer_set(RandomChooser(seed))))
        client.get("/intake")
    assert 0 < len(drawings.forms) <= FORM_LIMIT
    assert len(drawings.blocks) <= LIMIT
    assert sum(map(len, drawings.forms.values())) < 2_000_000

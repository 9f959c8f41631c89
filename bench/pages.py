"""Benchmark: page throughput against a bare Flask app measured in the same run.

Run: .venv/bin/python bench/pages.py   (or `make bench`)

Each target is requested in-process through the WSGI interface (no network, so the
figures are about the app's own cost) for a fixed time, after a warm-up, alternating
with its bare baseline for several rounds; the ratio printed is the median of the
per-round ratios, so drift on a shared machine cancels out. Baselines: a one-question
Flask-WTF page for the pages, a JSON echo endpoint for the API. The rate limit is on
(set high enough never to trip), as in production. Targets: the landing page at least
0.8 of the bare page, a step page 0.5, the intake page 0.4; the API at least 0.7 of the
echo; a FHIR QuestionnaireResponse (parsed with fhir.resources, evaluated, answered with a
Bundle) at least 0.1 of an echo of the same response (fhir.resources validation is most
of its cost). The page targets were 0.8, 0.8 and 0.3 of a bare page that compiled its
template on every request, about half as fast as this one: the same bar or a higher one.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from collections.abc import Callable

from flask import Flask, jsonify, render_template, request
from flask_wtf import CSRFProtect, FlaskForm
from wtforms import RadioField

from screener.app import create_app
from screener.catalogue.answers import validate_answers
from screener.catalogue.sampling import RandomChooser, answer_set

SECONDS = 1.0
ROUNDS = 5
BARE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Bare</title></head><body><main><form method="post">{{ form.hidden_tag() }}
<fieldset><legend>{{ form.q.label.text }}</legend>{% for o in form.q %}
<label>{{ o() }} {{ o.label.text }}</label>{% endfor %}</fieldset>
<button>Next</button></form></main></body></html>"""


class OneQuestion(FlaskForm):
    q = RadioField("How much does it get in the way of your day?",
                   choices=[("mild", "A little"), ("moderate", "Some"), ("severe", "A lot")])


def bare_app() -> Flask:
    app = Flask("bare")
    app.config.update(SECRET_KEY="bench-" + "x" * 40)
    CSRFProtect(app)

    # Compiled once, as a template file would be: ``render_template_string`` compiles its
    # source on every call, which would make the baseline slower than a real bare page.
    template = app.jinja_env.from_string(BARE_PAGE)

    @app.get("/page")
    def page() -> str:
        return render_template(template, form=OneQuestion())

    @app.post("/echo")
    def echo():
        return jsonify(request.get_json())

    app.extensions["csrf"].exempt(echo)
    return app


def throughput(call: Callable[[], object]) -> float:
    for _ in range(50):
        call()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < SECONDS:
        for _ in range(20):
            call()
        count += 20
    return count / elapsed


def checked(client, method: str, path: str, **kwargs) -> Callable[[], object]:
    def call() -> object:
        response = getattr(client, method)(path, **kwargs)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        return response
    return call


def complete_answers() -> dict:
    """A complete answer set, the same every run."""
    answers: dict = {}
    while "surgery_preference" not in answers:
        answers = validate_answers(answer_set(RandomChooser(seed=len(answers))))
    return answers


def main() -> int:
    bare = bare_app().test_client()
    app = create_app({"SECRET_KEY": "bench-" + "y" * 40, "API_RATE_LIMIT": "1000000 per minute",
                      "SESSION_COOKIE_SECURE": False})
    screener = app.test_client()
    page_one = screener.get("/step/urgent").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page_one).group(1)
    screener.post("/step/urgent", data={"red_flags": "none", "csrf_token": token})
    body = json.dumps(complete_answers())
    json_kwargs = {"data": body, "content_type": "application/json"}

    fhir_body = app.test_client().post("/api/v1/evaluate", headers={
        "Accept": "application/fhir+json"}, **json_kwargs).get_data()
    fhir_kwargs = {"data": fhir_body, "content_type": "application/json"}

    bare_page = checked(bare, "get", "/page")
    # Another system calling the API holds no patient session, so neither client does.
    bare_echo = checked(bare_app().test_client(), "post", "/echo", **json_kwargs)
    targets = [
        ("landing", checked(screener, "get", "/"), bare_page, 0.8),
        ("step page", checked(screener, "get", "/step/diagnosis"), bare_page, 0.5),
        ("intake page", checked(screener, "get", "/intake"), bare_page, 0.4),
        ("evaluate API", checked(app.test_client(), "post", "/api/v1/evaluate", **json_kwargs),
         bare_echo, 0.7),
        ("FHIR response", checked(app.test_client(), "post", "/fhir/QuestionnaireResponse",
                                  data=fhir_body, content_type="application/fhir+json"),
         checked(bare_app().test_client(), "post", "/echo", **fhir_kwargs), 0.1),
    ]
    print(f"{'target':<15}{'req/s':>9}{'bare req/s':>12}{'ratio':>8}{'target':>8}")
    missed = 0
    for name, call, baseline, target in targets:
        rounds = [(throughput(call), throughput(baseline)) for _ in range(ROUNDS)]
        ratio = statistics.median(ours / bare for ours, bare in rounds)
        missed += ratio < target
        print(f"{name:<15}{statistics.median(r[0] for r in rounds):>9.0f}"
              f"{statistics.median(r[1] for r in rounds):>12.0f}{ratio:>8.2f}{target:>8.1f}"
              f"{'' if ratio >= target else '  BELOW TARGET'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

"""FHIR R4 views of the catalogue (Questionnaire) and of plain answers (QuestionnaireResponse).

Everything is derived from the question catalogue: items, codes, visibility (as
``enableWhen``), exclusive options, the number range, help texts and the emergency
message. The Questionnaire's canonical ``url`` comes from configuration and its
``version`` from a hash of the catalogue, so a response can be tied to exactly the form it
answered, whoever fetched it and from whatever host name.
The guidance, the safety net and the disclaimer also travel in a response's narrative.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import cache
from typing import Any

import orjson
from markupsafe import escape

from ..catalogue.conditions import AllOf, Answer, AnyOf, Not, leaves
from ..catalogue.questions import EMERGENCY_CONDITION, QUESTIONS, STEPS, Question, catalogue_json
from ..engine.evaluate import Result
from ..engine.safety_net import safety_net_title
from ..i18n import N_, t
from .nurse import CallRecord, nurse_record
from .registry import Format, Source, register
from .render import answered_rows

QUESTIONNAIRE_ID = "miss-screener"
RULESET_VERSION_SYSTEM = "urn:miss-screener:ruleset-version"
# Bump when the Questionnaire's shape changes while the catalogue does not.
EXPORT_REVISION = 2
EXT = "http://hl7.org/fhir/StructureDefinition/"
ENABLE_WHEN_EXPRESSION = ("http://hl7.org/fhir/uv/sdc/StructureDefinition/"
                          "sdc-questionnaire-enableWhenExpression")
ITEM_CONTROL = "http://hl7.org/fhir/questionnaire-item-control"
DISCLAIMER_LINK_ID = "disclaimer"

Condition = Answer | AllOf | AnyOf | Not
# The question whose answers can be an emergency (the catalogue's emergency condition).
EMERGENCY_QUESTION = "red_flags"

EMERGENCY_TEXT = N_("What you chose can be an emergency. Call {number} now. Do not drive "
                    "yourself, and do not wait to finish this form.")


def coding_system(question_id: str) -> str:
    return f"urn:miss-screener:{question_id}"


def group_link_id(step_id: str) -> str:
    """Groups get their own linkIds: a step and a question may share an id (FHIR que-2)."""
    return f"step-{step_id}"


def help_link_id(question_id: str) -> str:
    return f"{question_id}-help"


def emergency_link_id(question_id: str) -> str:
    return f"{question_id}-emergency"


@cache
def catalogue_version() -> str:
    """Changes whenever the catalogue (ids, values, visibility, English texts) changes."""
    data = {"revision": EXPORT_REVISION, "catalogue": catalogue_json("en")}
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()[:12]


def versioned(canonical: str) -> str:
    """The ``questionnaire`` value a response carries: ``url|version``."""
    return f"{canonical}|{catalogue_version()}"


def _coding(question: Question, value: str, locale: str = "en") -> dict[str, str]:
    return {"system": coding_system(question.id), "code": value,
            "display": t(question.label_of(value), locale)}


def _answer_value(question: Question, value: Any, locale: str) -> dict[str, Any]:
    if question.kind == "integer":
        return {"answerInteger": value}
    return {"answerCoding": _coding(question, value, locale)}


def _tests(cond: Condition, locale: str) -> tuple[list[dict[str, Any]], str]:
    """(enableWhen entries, how they combine) for one condition of the catalogue.

    A test on values that is negated ("unless None") also needs the trigger answered:
    FHIR's ``!=`` is true while a question is still empty, and the pages ask a follow-up
    only once its trigger is answered.
    """
    if isinstance(cond, (AllOf, AnyOf)):
        behavior = "all" if isinstance(cond, AllOf) else "any"
        found: list[dict[str, Any]] = []
        for part in cond.all if isinstance(cond, AllOf) else cond.any:
            tests, inner = _tests(part, locale)
            if len(tests) > 1 and inner != behavior:
                raise ValueError(f"no enableWhen form for {cond!r}")
            found += tests
        return found, behavior
    negate = isinstance(cond, Not)
    test = cond.not_ if isinstance(cond, Not) else cond
    if not isinstance(test, Answer):
        raise ValueError(f"no enableWhen form for {cond!r}")
    question = QUESTIONS[test.question]
    op, operand = test.operator, test.operand
    if op == "answered":
        return [{"question": question.id, "operator": "exists",
                 "answerBoolean": operand != negate}], "all"
    if op in ("gt", "gte", "lt", "lte") and not negate:
        symbol = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
        return [{"question": question.id, "operator": symbol, "answerInteger": operand}], "all"
    if op not in ("equals", "one_of", "includes_any", "includes_all"):
        raise ValueError(f"no enableWhen form for {cond!r}")
    values = operand if isinstance(operand, list) else [operand]
    if negate and op == "includes_all":
        raise ValueError(f"no enableWhen form for {cond!r}")
    if negate:
        return ([{"question": question.id, "operator": "exists", "answerBoolean": True}]
                + [{"question": question.id, "operator": "!="}
                   | _answer_value(question, v, locale) for v in values]), "all"
    return [{"question": question.id, "operator": "="} | _answer_value(question, v, locale)
            for v in values], "all" if op == "includes_all" else "any"


def enable_when(cond: Condition | None, locale: str = "en") -> dict[str, Any]:
    """``enableWhen`` (and ``enableBehavior``) equivalent to a catalogue visibility condition;
    the SDC ``enableWhenExpression`` (FHIRPath) when ``enableWhen`` has no form for it, such as
    "no emergency", which holds a pair of urgent values (spinal-cord signs with a fever)."""
    if cond is None:
        return {}
    try:
        tests, behavior = _tests(cond, locale)
    except ValueError:
        return {"extension": [{"url": ENABLE_WHEN_EXPRESSION, "valueExpression": {
            "language": "text/fhirpath", "expression": fhirpath(cond)}}]}
    return {"enableWhen": tests, **({"enableBehavior": behavior} if len(tests) > 1 else {})}


def _fhirpath_answer(test: Answer) -> str:
    answers = f"%resource.repeat(item).where(linkId = '{test.question}').answer"
    op, operand = test.operator, test.operand
    if op == "answered":
        return f"{answers}.exists()" if operand else f"{answers}.empty()"
    if op in ("gt", "gte", "lt", "lte"):
        symbol = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
        return f"{answers}.value.where($this {symbol} {operand}).exists()"

    values = operand if isinstance(operand, list) else [operand]
    if op == "includes_all":
        return "(" + " and ".join(
            f"{answers}.value.where(code = '{v}').exists()" for v in values) + ")"
    found = " or ".join(f"$this = {v}" if isinstance(v, int) else f"code = '{v}'"
                        for v in values)
    return f"{answers}.value.where({found}).exists()"


def fhirpath(cond: Condition) -> str:
    """A FHIRPath expression on the response (``%resource``) true exactly when ``cond`` holds.

    As with ``enableWhen``, a negated test also needs the questions it looks at answered: the
    pages ask what follows a question only once it is answered.
    """
    if isinstance(cond, Answer):
        return _fhirpath_answer(cond)
    if isinstance(cond, (AllOf, AnyOf)):
        parts = cond.all if isinstance(cond, AllOf) else cond.any
        joined = " and " if isinstance(cond, AllOf) else " or "
        return "(" + joined.join(fhirpath(part) for part in parts) + ")"
    asked = dict.fromkeys(leaf.question for leaf in leaves(cond.not_)
                          if leaf.operator != "answered")
    answered = [_fhirpath_answer(Answer(question=q, answered=True)) for q in asked]
    return "(" + " and ".join([*answered, f"{fhirpath(cond.not_)}.not()"]) + ")"


def _display(link_id: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"linkId": link_id, "type": "display", "text": text, **extra}


def _control(code: str, display: str) -> dict[str, Any]:
    """An SDC item control: how a renderer shows the item (help button, check boxes...)."""
    return {"url": EXT + "questionnaire-itemControl", "valueCodeableConcept": {
        "coding": [{"system": ITEM_CONTROL, "code": code, "display": display}],
        "text": display}}


def _help(question: Question, locale: str) -> dict[str, Any]:
    return _display(help_link_id(question.id), t(question.help, locale),
                    extension=[_control("help", "Help-Button")])


def _option(question: Question, value: str, locale: str) -> dict[str, Any]:
    option: dict[str, Any] = {"valueCoding": _coding(question, value, locale)}
    if value in question.exclusive:
        option["extension"] = [{"url": EXT + "questionnaire-optionExclusive",
                                "valueBoolean": True}]
    return option


def _item(question: Question, locale: str) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": question.id, "text": t(question.prompt, locale),
                            "required": question.required}
    if question.kind == "integer":
        item["type"] = "integer"
        item["extension"] = [{"url": EXT + "minValue", "valueInteger": question.minimum},
                             {"url": EXT + "maxValue", "valueInteger": question.maximum}]
    else:
        item["type"] = "choice"
        item["repeats"] = question.kind == "multiple"
        # Every choice on view at once, as the pages show them (not a drop-down).
        item["extension"] = [_control("check-box", "Check-box") if item["repeats"]
                             else _control("radio-button", "Radio Button")]
        item["answerOption"] = [_option(question, c.value, locale) for c in question.choices]
    if question.help:
        item["item"] = [_help(question, locale)]
    return item | enable_when(question.shown_when, locale)


def _emergency_display(question: Question, number: str, locale: str) -> list[dict[str, Any]]:
    """Shown as soon as the answers to ``question`` are an emergency (none: no item)."""
    if question.id != EMERGENCY_QUESTION:
        return []
    return [_display(emergency_link_id(question.id),
                     t(EMERGENCY_TEXT, locale).format(number=number),
                     **enable_when(EMERGENCY_CONDITION, locale))]


def display_link_ids() -> frozenset[str]:
    """Every display item's linkId (help, emergency messages, disclaimer)."""
    ids = {DISCLAIMER_LINK_ID, emergency_link_id(EMERGENCY_QUESTION)}
    ids |= {help_link_id(q.id) for q in QUESTIONS.values() if q.help}
    return frozenset(ids)


def questionnaire(canonical: str, disclaimer: str, emergency_number: str,
                  locale: str = "en") -> dict[str, Any]:
    """The whole catalogue as one Questionnaire, in ``locale`` (same linkIds and codes)."""
    groups = []
    for step in STEPS:
        items: list[dict[str, Any]] = []
        for qid in step.questions:
            items.append(_item(QUESTIONS[qid], locale))
            items += _emergency_display(QUESTIONS[qid], emergency_number, locale)
        groups.append({"linkId": group_link_id(step.id), "type": "group",
                       "text": t(step.title, locale), "item": items}
                      | enable_when(step.shown_when, locale))
    return {
        "resourceType": "Questionnaire",
        "language": locale,
        "id": QUESTIONNAIRE_ID,
        "url": canonical,
        "version": catalogue_version(),
        "name": "MissScreener",
        "title": t("Minimally invasive spine surgery: educational self-screening", locale),
        "status": "active",
        "subjectType": ["Patient"],
        "description": disclaimer,
        "item": [*groups, _display(DISCLAIMER_LINK_ID, disclaimer)],
    }


def _answer(question: Question, value: Any, locale: str) -> list[dict[str, Any]]:
    if question.kind == "integer":
        return [{"valueInteger": value}]
    values = value if isinstance(value, list) else [value]
    return [{"valueCoding": _coding(question, v, locale)} for v in values]


def _narrative(result: Result, answers: dict[str, Any]) -> str:
    loc = result.locale
    rows = "".join(f"<li>{escape(prompt)} {escape(answer)}</li>"
                   for _, _, prompt, answer in answered_rows(answers, loc))
    topics = "".join(f"<li>{escape(topic.title.in_locale(loc))}</li>" for topic in result.topics)
    heads = {"answers": t("Answers", loc), "guidance": t("Guidance", loc),
             "important": t("Important", loc), "none": t("None", loc)}
    heads = {key: escape(value) for key, value in heads.items()}
    net = (f'<p><b>{escape(safety_net_title(loc))}:</b> {escape(result.safety_net)}</p>'
           if result.safety_net else "")
    return (f'<div xmlns="http://www.w3.org/1999/xhtml"><h2>{heads["answers"]}</h2>'
            f'<ul>{rows}</ul><h2>{heads["guidance"]}</h2>'
            f'<ul>{topics or "<li>" + heads["none"] + "</li>"}</ul>'
            f'{net}<p><b>{heads["important"]}:</b> {escape(result.disclaimer)}</p></div>')


def questionnaire_response(answers: dict[str, Any], result: Result, canonical: str,
                           authored: datetime | None = None) -> dict[str, Any]:
    """Plain (validated) answers as a completed response to the Questionnaire above."""
    loc = result.locale
    groups = []
    for step in STEPS:
        items = [{"linkId": q, "text": t(QUESTIONS[q].prompt, loc),
                  "answer": _answer(QUESTIONS[q], answers[q], loc)}
                 for q in step.questions if q in answers]
        if items:
            groups.append({"linkId": group_link_id(step.id), "text": t(step.title, loc),
                           "item": items})
    when = (authored or datetime.now(UTC)).isoformat(timespec="seconds")
    return {
        "resourceType": "QuestionnaireResponse",
        "language": loc,
        "status": "completed",
        "meta": {"tag": [{"system": RULESET_VERSION_SYSTEM, "code": result.ruleset_version,
                          "display": "rule set version"}]},
        "questionnaire": versioned(canonical),
        "authored": when,
        "text": {"status": "generated", "div": _narrative(result, answers)},
        "item": groups,
    }


def _fhir_time(moment: datetime) -> str:
    """A FHIR dateTime: a time needs its zone (the store keeps naive UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def with_call(resource: dict[str, Any], record: CallRecord, record_text: str,
              answered: datetime, author: str | None) -> dict[str, Any]:
    """A submission's QuestionnaireResponse with what the record needs, where FHIR keeps
    it: the patient's name and telephone (a contained Patient, the subject), who gave the
    answers and when (``author``: the staff member who confirmed them on a call, else the
    patient; ``authored``), and the call (a contained Communication about this response:
    the outcome, the nurse's note as an annotation, and the nurse record's text as it is
    pasted, so this export and ``summary.txt`` say the same)."""
    patient: dict[str, Any] = {"resourceType": "Patient", "id": "patient"}
    if record.name:
        patient["name"] = [{"text": record.name}]
    if record.phone:
        patient["telecom"] = [{"system": "phone", "value": record.phone}]
    if record.clinic_id:
        patient["identifier"] = [{"value": record.clinic_id}]
    contained: list[dict[str, Any]] = [patient]
    by: dict[str, Any] = {"reference": "#patient"}
    if author:
        contained.append({"resourceType": "Practitioner", "id": "author",
                          "telecom": [{"system": "email", "value": author}]})
        by = {"reference": "#author", "display": author}
    when = _fhir_time(record.started)
    call: dict[str, Any] = {
        "resourceType": "Communication", "id": "call", "status": "completed",
        "subject": {"reference": "#patient"}, "about": [{"reference": "#"}], "sent": when,
        "payload": [{"contentString": record_text}],
    }
    if record.outcome:
        call["payload"].insert(0, {"contentString": record.outcome})
    if record.note:
        call["note"] = [{"text": record.note, "time": when}
                        | ({"authorString": record.nurse} if record.nurse else {})]
    if author:
        call["sender"] = {"reference": "#author", "display": author}
    contained.append(call)
    return {**resource, "contained": contained, "subject": {"reference": "#patient"},
            "authored": _fhir_time(answered), "author": by}


def response_file(source: Source) -> bytes:
    """The response as a file or API body. For a sent submission: authored when its latest
    answers were given, by whom, identified by its reference code, and with the call's
    record (``with_call``) so this export and ``summary.txt`` say the same."""
    sent = source.submission
    resource = questionnaire_response(dict(source.answers), source.result, source.canonical,
                                      authored=sent.sent_at if sent else None)
    if sent and source.call is not None:
        text = nurse_record(source.result, source.answers, source.call, source.zone,
                            source.locale)
        resource = with_call(resource, source.call, text,
                             answered=sent.answered_at or sent.sent_at, author=sent.author)
    if sent and sent.reference:
        resource["identifier"] = {"system": f"{source.canonical}/reference-code",
                                  "value": sent.reference}
    return orjson.dumps(resource, option=orjson.OPT_INDENT_2)


RESPONSE = register(Format("fhir", "application/fhir+json", "json",
                           frozenset({"staff", "api"}), response_file,
                           label="FHIR QuestionnaireResponse", slug="fhir", rank=20))

"""The worklist as a nurse calling patients back uses it (issue 30), on SQLite and
PostgreSQL: the language to call in, flagged when it is not the nurse's; the best time in
words with its hours; the reference code; the received time on the clinic's clock; search
by code, name or phone; the nurse's own language for the pages and the guidance; a used
code that says so; and /staff with the handoff off saying why."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from markupsafe import escape

from screener.app import create_app
from screener.clinictime import clinic_time, in_zone
from screener.store.reference import grouped
from screener.store.submissions import Contact, NewSubmission
from screener.web.extensions import screening

from .conftest import COMPLETE_ANSWERS
from .staffkit import PASSWORD, make_person, shown, sign_in
from .test_i18n import VisibleText, english_phrases

ZONE = "America/Chicago"
SENT = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)


@pytest.fixture
def clinic(make_handoff_app):
    return make_handoff_app(TIMEZONE=ZONE, LANGUAGES="en,es", PHONE_COUNTRY_CODE="1")


@pytest.fixture
def desk(clinic):
    """A nurse signed in, and a way to send submissions as patients do."""
    store = clinic.extensions["screener.store"]
    nurse = make_person(clinic, "nurse@riverside.example")
    client = clinic.test_client()
    sign_in(client, nurse)

    def send(n: int, name: str, phone: str = "555 010 1234", language: str = "en",
             note: str = "", best_time: str = "evening") -> tuple[str, str]:
        new = NewSubmission(answers=dict(COMPLETE_ANSWERS), urgent=False,
                            contact=Contact(name, phone, best_time), note=note,
                            language=language, ruleset_version="t", consent_version="t")
        sid, code, _ = store.submissions.create(new, f"{n:032d}", 30, SENT)
        return sid, code

    return client, send, store, nurse


def row_of(html: str, sid: str) -> str:
    found = re.search(rf'<tr[^>]*>(?:(?!</tr>).)*?/staff/submissions/{sid}".*?</tr>', html,
                      re.S)
    assert found, f"no worklist row for {sid}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split())


def test_each_row_has_what_a_callback_needs(desk):
    client, send, _, _ = desk
    sid, code = send(1, "Lucía Ortega", language="es", best_time="evening")
    row = row_of(client.get("/staff/").get_data(as_text=True), sid)
    assert grouped(code) in row
    assert "Spanish" in row and "Call in Spanish" in row
    assert "Early evening (5 to 7)" in row and ">evening<" not in row
    assert clinic_time(SENT, ZONE) in row and clinic_time(SENT, ZONE).endswith(("CST", "CDT"))


@pytest.mark.parametrize("language, words", [("en", "Early evening (5 to 7)"),
                                             ("es", "Al final de la tarde (de 5 a 7)")])
def test_the_best_time_is_words_with_its_hours_wherever_staff_read_it(desk, language, words):
    """The worklist, the submission, the call page, the record (Copy) and summary.txt."""
    client, send, _, _ = desk
    sid, _ = send(1, "Lucía Ortega", best_time="evening")
    client.post("/staff/language", data={"language": language, "back": "/staff/"})
    in_record = words[0].lower() + words[1:]
    pages = {"worklist": row_of(client.get("/staff/").get_data(as_text=True), sid),
             "submission": client.get(f"/staff/submissions/{sid}").get_data(as_text=True),
             "call": client.get(f"/staff/submissions/{sid}/call").get_data(as_text=True)}
    for name, html in pages.items():
        assert words in html, name
        assert not re.search(r"\bevening\b", html.replace(words, "").replace(in_record, "")), name
    record = pages["submission"].split('id="record-text"')[1].split("</textarea>")[0]
    summary = client.get(f"/staff/submissions/{sid}/summary.txt").get_data(as_text=True)
    for text in (record, summary):
        who = next(line for line in text.splitlines() if "Lucía Ortega" in line)
        assert who.endswith(in_record), who


def test_a_note_asking_for_another_language_is_flagged(desk):
    client, send, _, _ = desk
    asked, _ = send(1, "Marta Ruiz", note="Prefiero que me llamen en español")
    plain, _ = send(2, "Alex Morgan", note="Mornings are best")
    html = client.get("/staff/").get_data(as_text=True)
    assert "Call in Spanish" in row_of(html, asked) and "asked in the note" in row_of(html, asked)
    assert "Call in" not in row_of(html, plain) and "English" in row_of(html, plain)


@pytest.mark.parametrize("typed", ["alex MORGAN", "morgan", "+1 555 010 7788",
                                   "(555) 010-7788", "15550107788"])
def test_search_by_name_or_phone_lists_every_match_with_its_code(desk, typed):
    client, send, _, _ = desk
    first, first_code = send(1, "Alex Morgan", phone="555-010-7788")
    second, second_code = send(2, "Alex Morgan", phone="+1 555 010 7788")
    other, _ = send(3, "Sam Lee", phone="555 010 9900")
    html = client.get("/staff/", query_string={"code": typed}).get_data(as_text=True)
    assert "Found: 2" in html
    assert grouped(first_code) in row_of(html, first)
    assert grouped(second_code) in row_of(html, second)
    assert f"/staff/submissions/{other}" not in html


def test_search_that_finds_nothing_says_so(desk):
    client, send, _, _ = desk
    send(1, "Alex Morgan")
    html = client.get("/staff/?code=Morgana").get_data(as_text=True)
    assert "No submission has that reference code, name or phone number" in html


def test_a_search_is_audited_without_what_was_typed(desk):
    client, send, store, _ = desk
    send(1, "Alex Morgan")
    client.get("/staff/?code=alex+morgan")
    details = [line.detail for line in store.audit.since(SENT)]
    assert "search 1 found" in details and not any("morgan" in d.lower() for d in details)


def test_the_nurse_reads_the_guidance_in_the_nurses_language(desk, clinic):
    client, send, _, _ = desk
    sid, _ = send(1, "Lucía Ortega", language="es",
                  note="Prefiero que me llamen en español, por la tarde")
    html = client.get(f"/staff/submissions/{sid}").get_data(as_text=True)
    assert "The patient read it in Spanish" in html and "Call in Spanish" in html
    assert 'lang="es">Prefiero que me llamen en español, por la tarde<' in html  # as written
    with clinic.app_context():
        result = screening().evaluate_stored(dict(COMPLETE_ANSWERS), "es")
    titles = [(t.title.in_locale("en"), t.title.in_locale("es")) for t in result.topics]
    assert titles and any(en != es for en, es in titles)
    for english, spanish in titles:
        assert escape(english) in html
        assert english == spanish or escape(spanish) not in html


def test_a_nurse_who_chooses_spanish_gets_spanish_pages(desk):
    client, send, store, nurse = desk
    sid, _ = send(1, "Alex Morgan", language="en")
    client.post("/staff/language", data={"language": "es", "back": "/staff/"})
    assert store.accounts.get(nurse.id).language == "es"
    html = client.get("/staff/").get_data(as_text=True)
    assert '<html lang="es">' in html and "Lista de trabajo" in html
    assert "Llamar en inglés" in row_of(html, sid)
    client.post("/staff/language", data={"language": "xx"})  # not offered: unchanged
    assert store.accounts.get(nurse.id).language == "es"


def spanish_staff_pages(clinic, client, send) -> dict[str, str]:
    """Every staff page a Spanish-speaking nurse and admin meet, with a call saved, a
    status changed and a note added, so the history and the flash messages show too."""
    sid, _ = send(1, "Alex Morgan", language="en")
    client.post("/staff/language", data={"language": "es", "back": "/staff/"})
    pages = {"worklist": client.get("/staff/").get_data(as_text=True),
             "call": client.get(f"/staff/submissions/{sid}/call").get_data(as_text=True)}
    call = dict(COMPLETE_ANSWERS) | {"pain_score": "8", "outcome-status": "booked",
                                     "call-note": "Cita el martes"}
    pages["call saved"] = client.post(f"/staff/submissions/{sid}/call", data=call,
                                      follow_redirects=True).get_data(as_text=True)
    pages["status changed"] = client.post(
        f"/staff/submissions/{sid}/status", data={"status": "not_now"},
        follow_redirects=True).get_data(as_text=True)
    pages["note added"] = client.post(f"/staff/submissions/{sid}/notes",
                                      data={"note": "Llamar de nuevo"},
                                      follow_redirects=True).get_data(as_text=True)
    pages["patient's version"] = client.get(
        f"/staff/submissions/{sid}?version=1").get_data(as_text=True)
    pages["withdraw refused"] = client.post(f"/staff/submissions/{sid}/withdraw",
                                            follow_redirects=True).get_data(as_text=True)
    admin = clinic.test_client()
    sign_in(admin, make_person(clinic, "admin@riverside.example", "admin"))
    admin.post("/staff/language", data={"language": "es", "back": "/staff/"})
    for name, path in (("accounts", "/staff/admin/accounts"), ("audit", "/staff/admin/audit"),
                       ("usage", "/staff/admin/usage")):
        pages[name] = admin.get(path).get_data(as_text=True)
    pages["account added"] = admin.post("/staff/admin/accounts", data={
        "email": "new@riverside.example", "role": "nurse"},
        follow_redirects=True).get_data(as_text=True)
    pages["account refused"] = admin.post("/staff/admin/accounts", data={
        "email": "new@riverside.example", "role": "nurse"},
        follow_redirects=True).get_data(as_text=True)
    return pages


def test_a_spanish_speaking_nurse_meets_no_english_on_any_staff_page(desk, clinic, ruleset):
    client, send, _, _ = desk
    phrases = english_phrases(ruleset)
    pages = spanish_staff_pages(clinic, client, send)
    for name, html in pages.items():
        assert '<html lang="es">' in html, name
        text = VisibleText.of(html)
        left = sorted(p for p in phrases if p in text)
        assert left == [], f"{name}: {left[:5]}"
        words = sorted(set(re.findall(r"\b(?:the|and|of|by|to|is|was|your)\b", text)))
        assert words == [], f"{name}: English words {words} in {text}"
    assert "Nota añadida." in pages["note added"]
    # the store's refusal, worded where it is shown
    assert "No se añadió: ya hay una cuenta para new@riverside.example." in pages[
        "account refused"]
    assert "Estado cambiado a Ahora no." in pages["status changed"]
    assert "Guardado: respuestas guardadas como versión 2" in pages["call saved"]
    assert "Historial" in pages["note added"] and "Lista de trabajo" in pages["worklist"]
    assert "nurse@riverside.example (enfermería)" in pages["worklist"]
    assert "Cuentas del personal" in pages["accounts"] and "Enfermería" in pages["accounts"]


def test_staff_times_carry_the_clinics_zone(desk, clinic):
    client, send, store, nurse = desk
    sid, _ = send(1, "Alex Morgan")
    client.post(f"/staff/submissions/{sid}/notes", data={"note": "Left a message"})
    sent_at = clinic_time(SENT, ZONE)
    assert sent_at.endswith(("CST", "CDT")) and "UTC" not in sent_at
    html = client.get(f"/staff/submissions/{sid}").get_data(as_text=True)
    facts = re.search(r"<dt>Sent</dt><dd>([^<]+)</dd>", html).group(1)
    assert facts == sent_at
    history = re.findall(r'<time datetime="[^"]+">([^<]+)</time>', html)
    assert history[0] == sent_at and len(history) == 2
    noted = [e.at for e in store.casework.history(sid) if e.kind == "note"][0]
    assert history[1] == clinic_time(noted, ZONE)
    admin = clinic.test_client()
    sign_in(admin, make_person(clinic, "admin@riverside.example", "admin"))
    audit = admin.get("/staff/admin/audit").get_data(as_text=True)
    lines = list(store.audit.since(SENT))
    assert len(lines) >= 3  # sign-ins, the view, the note
    for line in lines:
        local = in_zone(line.at, ZONE)
        assert f"<td>{local:%Y-%m-%d %H:%M:%S} {local.tzname()}</td>" in audit
    assert " UTC" not in VisibleText.of(audit)


def test_staff_pages_default_to_the_clinics_first_language(make_handoff_app):
    app = make_handoff_app(LANGUAGES="es,en")
    html = app.test_client().get("/staff/sign-in").get_data(as_text=True)
    assert '<html lang="es">' in html and "Iniciar sesión" in html


# A code used at setup, then at the first sign-in


@pytest.fixture
def fresh(clinic, monkeypatch):
    """A new account set up through its link at a fixed moment early in a TOTP step."""
    store = clinic.extensions["screener.store"]
    step = int(time.time() // 30)
    clock = {"now": step * 30 + 5.0}
    monkeypatch.setattr(time, "time", lambda: clock["now"])
    staff, token = store.accounts.add("new@riverside.example", "nurse")
    client = clinic.test_client()
    html = client.get(f"/staff/setup/{token}").get_data(as_text=True)
    secret = re.search(r'id="secret"><code>([A-Z2-7 ]+)</code>', html).group(1)
    totp = pyotp.TOTP(secret.replace(" ", ""))
    done = client.post(f"/staff/setup/{token}", data={
        "password": PASSWORD, "confirm": PASSWORD, "code": totp.at(clock["now"])})
    assert "recovery codes" in done.get_data(as_text=True)
    assert client.post("/staff/sign-in", data={"email": staff.email,
                                               "password": PASSWORD}).status_code == 302
    return client, totp, clock, step


def test_the_first_sign_in_waits_for_the_next_code_by_itself(fresh):
    client, _, _, _ = fresh
    html = client.get("/staff/sign-in/code").get_data(as_text=True)
    assert re.search(r'appears in <span class="seconds-left">25</span> seconds', html)
    assert 'data-seconds="25"' in html and "/static/staff-wait.js" in html
    assert not re.search(r'<input[^>]*name="code"[^>]*disabled', html)  # it works at once


def test_the_setup_code_again_says_it_was_just_used(fresh):
    client, totp, clock, _ = fresh
    again = shown(client, client.post("/staff/sign-in/code",
                                      data={"code": totp.at(clock["now"])}))
    assert again.status_code == 401
    assert "That code was just used. Wait for the next one." in again.get_data(as_text=True)


def test_the_next_code_signs_in_once_its_step_begins(fresh):
    client, totp, clock, step = fresh
    clock["now"] = (step + 1) * 30 + 1.0
    html = client.get("/staff/sign-in/code").get_data(as_text=True)
    assert "appears in" not in html and "staff-wait.js" not in html
    signed = client.post("/staff/sign-in/code", data={"code": totp.at(clock["now"])})
    assert signed.status_code == 302 and signed.headers["Location"].endswith("/staff/")


def test_a_wrong_code_is_still_wrong(fresh):
    client, totp, _, step = fresh
    near = {totp.generate_otp(s) for s in range(step - 3, step + 3)}
    wrong = next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in near)
    answer = shown(client, client.post("/staff/sign-in/code",
                                       data={"code": wrong})).get_data(as_text=True)
    assert "email, password or code is not right" in answer
    assert "That code was just used" not in answer


# The handoff off


@pytest.mark.parametrize("path", ["/staff/", "/staff/sign-in", "/staff/submissions/x"])
def test_staff_with_the_handoff_off_says_why_and_links_elsewhere(path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    response = app.test_client().get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "The clinic has not turned the handoff on" in html
    assert "docs/handoff.md" in html and "SCREENER_HANDOFF=true" in html
    links = re.findall(r'href="([^"]+)"', html.split('<main', 1)[1])
    assert links and not any(link.startswith("/staff") for link in links)

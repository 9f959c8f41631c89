"""Save and come back later (issue 32), on SQLite and PostgreSQL: a return code opens the
saved answers once; the table holds no answer, no code and nothing that opens without the
code; codes expire and are purged; answers come back checked against today's catalogue."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import assume, given
from hypothesis import strategies as st
from sqlalchemy import select, update

from screener.catalogue.answers import validate_answers, visible_pages
from screener.catalogue.questions import PAGES, QUESTIONS, RED_FLAG_PAGES, is_emergency
from screener.catalogue.wizard import Flow
from screener.cli import main
from screener.service.saving import PAYLOAD_VERSION, Note, NotSavable, payload_for, restore
from screener.service.screening import Screening
from screener.store import savecode
from screener.store import saved as saved_module
from screener.store.codebox import KDF, KdfParams, Sealed, open_sealed
from screener.store.crypto import Cipher
from screener.store.models import SavedScreening
from screener.store.saved import LOOKUP_KDF, lookup_key, lookup_salt
from screener.store.service import Store
from screener.usage import UsageCounts

from .conftest import (
    COMPLETE_ANSWERS,
    EMERGENCY_ANSWERS,
    HANDOFF_CONFIG,
    TEST_DATA_KEYS,
    answer_sets,
)

T0 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
DAYS = 7
# Pages up to (not including) the pain score: the patient stopped half-way.
HALF_WAY = [page.id for page in PAGES[:PAGES.index(next(p for p in PAGES if p.id == "pain"))]]
SO_FAR = {key: value for key, value in COMPLETE_ANSWERS.items()
          if key not in {"pain_score", "daily_impact", "treatments_tried", "treatment_duration",
                         "treatment_result", "prior_surgery", "health_factors", "goals",
                         "surgery_preference"}}


@pytest.fixture
def store(database_url):
    opened = Store(database_url, TEST_DATA_KEYS[0], HANDOFF_CONFIG["SECRET_KEY"])
    opened.ensure_ready()
    yield opened
    opened.dispose()


@pytest.fixture
def screening(ruleset, store):
    service = Screening(ruleset, "999", ("en", "es"))
    service.use_saved(store.saved)
    return service


def typed_badly(code: str) -> str:
    """The code as a patient might type it back: lower case, spaces for dashes."""
    return " " + savecode.format_code(code).lower().replace("-", " ") + " "


def other_code(code: str) -> str:
    """A well-formed code one character away from ``code``."""
    last = savecode.ALPHABET[(savecode.ALPHABET.index(code[-1]) + 1) % 32]
    return code[:-1] + last


# The code


def test_a_code_has_at_least_60_bits_from_an_alphabet_without_look_alikes():
    assert savecode.BITS >= 60
    assert not set("ILOU") & set(savecode.ALPHABET) and len(set(savecode.ALPHABET)) == 32
    codes = {savecode.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 12 and set(c) <= set(savecode.ALPHABET) for c in codes)
    assert all(len(savecode.format_code(c).split("-")) == 3 for c in codes)


mangling = st.lists(st.tuples(st.booleans(), st.sampled_from(["", "", " ", "-", "  ", " - "])),
                    min_size=12, max_size=12)


@given(code=st.text(alphabet=savecode.ALPHABET, min_size=12, max_size=12), how=mangling,
       look_alikes=st.booleans())
def test_any_case_spacing_and_dashes_read_as_the_same_code(code, how, look_alikes):
    shown = savecode.format_code(code)
    assert savecode.normalise(shown) == code
    typed = "".join((ch.lower() if lower else ch) + gap for ch, (lower, gap) in zip(
        code, how, strict=True))
    if look_alikes:
        typed = typed.replace("0", "O").replace("1", "l")
    assert savecode.normalise(typed) == code


@pytest.mark.parametrize("typed", ["", "K7QM-3XPA-9HW", "K7QM-3XPA-9HWDX", "K7QM-3XPA-9HWU",
                                   "K7QM_3XPA_9HW!", "K7QM-3XPA-9HWÐ", "١٢٣٤٥٦٧٨٩٠١٢"])
def test_what_cannot_be_a_code_is_none(typed):
    assert savecode.normalise(typed) is None


# The store


def test_a_saved_screening_comes_back_once(store):
    code = store.saved.save({"answers": {"main_symptom": "leg_pain"}}, DAYS, T0)
    assert store.saved.take(typed_badly(code), T0 + timedelta(hours=2)) == {
        "answers": {"main_symptom": "leg_pain"}}
    assert store.saved.take(code, T0 + timedelta(hours=2)) is None
    assert store.saved.count() == 0


def test_wrong_malformed_used_and_expired_codes_are_all_none(store):
    code = store.saved.save({"answers": {}}, DAYS, T0)
    assert store.saved.take(other_code(code), T0) is None
    assert store.saved.take("not a code", T0) is None
    assert store.saved.take(code, T0 + timedelta(days=DAYS)) is None  # expired
    assert store.saved.count() == 1  # a wrong or late try deletes nothing
    assert store.saved.take(code, T0) is not None
    assert store.saved.take(code, T0) is None  # used


def test_of_eight_simultaneous_takes_of_one_code_exactly_one_gets_the_answers(store):
    code = store.saved.save({"answers": {"pain_score": 6}}, DAYS, T0)
    barrier = threading.Barrier(8)
    got: list[Any] = []
    errors: list[BaseException] = []

    def take() -> None:
        try:
            barrier.wait(timeout=30)
            got.append(store.saved.take(code, T0))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [g for g in got if g is not None] == [{"answers": {"pain_score": 6}}]
    assert got.count(None) == 7


def test_expired_saves_are_purged_and_live_ones_kept(store):
    old = store.saved.save({"answers": {}}, DAYS, T0)
    new = store.saved.save({"answers": {}}, DAYS, T0 + timedelta(days=3))
    assert store.saved.purge(T0 + timedelta(days=DAYS, seconds=1)) == 1
    assert store.saved.take(old, T0) is None  # gone, even asked as if it were still live
    assert store.saved.take(new, T0 + timedelta(days=DAYS, seconds=1)) is not None


def test_purge_command_deletes_expired_saves_and_counts_them(store, database_url,
                                                             monkeypatch):
    for _ in range(2):
        store.saved.save({"answers": {}}, DAYS, datetime.now(UTC) - timedelta(days=DAYS + 1))
    live = store.saved.save({"answers": {}}, DAYS)
    monkeypatch.setenv("SCREENER_DATABASE_URL", database_url)
    monkeypatch.setenv("SCREENER_DATA_KEYS", TEST_DATA_KEYS[0])
    monkeypatch.setenv("SCREENER_SECRET_KEY", HANDOFF_CONFIG["SECRET_KEY"])
    result = CliRunner().invoke(main, ["purge"])
    assert result.exit_code == 0, result.output
    assert "deleted 2 expired saved screening(s)" in result.output
    assert store.saved.count() == 1 and store.saved.take(live) is not None
    lines, _ = store.audit.page()
    assert lines[0].action == "purge"
    assert lines[0].detail == "0 expired, 2 saved screening(s) expired"
    counts = UsageCounts(database_url)
    assert counts.totals().get("expired") == 2
    counts.engine.dispose()


def test_rows_keep_their_kdf_parameters_so_they_can_be_raised_later(store):
    light = KdfParams(n=2 ** 10, r=8, p=1)
    store.saved.params = light
    code = store.saved.save({"answers": {"pain_score": 3}}, DAYS, T0)
    store.saved.params = KDF
    with store.engine.connect() as connection:
        row = connection.execute(select(SavedScreening)).one()
    assert (row.kdf_n, row.kdf_r, row.kdf_p) == (2 ** 10, 8, 1)
    assert store.saved.take(code, T0) == {"answers": {"pain_score": 3}}


def test_a_ciphertext_moved_to_another_row_does_not_open(store):
    first = store.saved.save({"answers": {"pain_score": 1}}, DAYS, T0)
    second = store.saved.save({"answers": {"pain_score": 9}}, DAYS, T0)
    with store.engine.begin() as connection:
        rows = {r.lookup: r for r in connection.execute(select(SavedScreening))}
        one, two = (rows[store.saved.lookup_ids(c)[0]] for c in (first, second))
        for row, other in ((one, two), (two, one)):
            connection.execute(update(SavedScreening).where(
                SavedScreening.lookup == row.lookup).values(sealed=other.sealed,
                                                            salt=other.salt))
    assert store.saved.take(first, T0) is None and store.saved.take(second, T0) is None


def test_saves_made_under_an_old_data_key_are_found_after_a_new_one_is_put_first(
        store, database_url):
    code = store.saved.save({"answers": {"pain_score": 4}}, DAYS, T0)
    rotated = Store(database_url, f"{TEST_DATA_KEYS[1]} {TEST_DATA_KEYS[0]}",
                    HANDOFF_CONFIG["SECRET_KEY"])
    try:
        assert rotated.saved.take(code, T0) == {"answers": {"pain_score": 4}}
    finally:
        rotated.dispose()


def test_every_guess_at_the_lookup_id_costs_a_scrypt_even_with_the_keys(store):
    """The lookup id is HMAC(lookup key, scrypt(code, the clinic's lookup salt)), never a
    fast HMAC of the code itself: whoever holds the keys and the table pays a memory-hard
    derivation (the seal's parameters) per guess."""
    code = store.saved.save({"answers": {"pain_score": 2}}, DAYS, T0)
    stored = [value for name, value in every_column(store) if name == "lookup"]
    key, salt = lookup_key(TEST_DATA_KEYS[0]), lookup_salt(TEST_DATA_KEYS[0])
    assert LOOKUP_KDF == KDF and LOOKUP_KDF.memory >= 16 * 2 ** 20
    assert stored == [hmac.new(key, KDF.derive(code, salt), hashlib.sha256).hexdigest()]
    assert stored != [hmac.new(key, code.encode(), hashlib.sha256).hexdigest()]
    assert lookup_salt(TEST_DATA_KEYS[0]) != lookup_salt(TEST_DATA_KEYS[1])


def test_the_row_is_deleted_and_committed_before_it_is_opened(store, monkeypatch):
    """The scrypt that opens the payload runs after the commit: no write lock is held
    through it (SQLite), and the row is gone even if it then does not open."""
    code = store.saved.save({"answers": {"pain_score": 5}}, DAYS, T0)
    seen_by_others: list[int] = []

    def opening(*args: Any) -> Any:
        with store.engine.connect() as other:
            seen_by_others.append(other.exec_driver_sql(
                "SELECT count(*) FROM saved_screenings").scalar_one())
        return open_sealed(*args)

    monkeypatch.setattr(saved_module, "open_sealed", opening)
    assert store.saved.take(code, T0) == {"answers": {"pain_score": 5}}
    assert seen_by_others == [0]


def every_column(store: Store) -> list[tuple[str, Any]]:
    with store.engine.connect() as connection:
        result = connection.exec_driver_sql("SELECT * FROM saved_screenings")
        names = list(result.keys())
        return [(name, value) for row in result for name, value in zip(names, row,
                                                                        strict=True)]


def reading(value: Any) -> str:
    """A stored value as text: bytes byte for byte (Latin-1), anything else as printed."""
    if isinstance(value, memoryview | bytes | bytearray):
        return bytes(value).decode("latin-1")
    return str(value)


def test_the_table_holds_no_answer_no_code_and_nothing_that_opens_without_the_code(
        screening, store):
    answers = COMPLETE_ANSWERS | {"health_factors": ["diabetes", "smoking"]}
    code = screening.save_for_later(answers, [p.id for p in PAGES], "es", DAYS, T0)
    columns = every_column(store)
    assert {name for name, _ in columns} == {"lookup", "salt", "kdf_n", "kdf_r", "kdf_p",
                                             "sealed", "created_at", "expires_at"}
    text = "\n".join(str(value) for _, value in columns if not isinstance(
        value, memoryview | bytes | bytearray))
    stored = "\n".join(reading(value) for _, value in columns)
    folded = stored.casefold()
    values = {str(v) for value in answers.values()
              for v in (value if isinstance(value, list) else [value])} | set(answers) | {"es"}
    # In the clear columns as such; in the binary ones as the JSON they would be sealed as
    # (quoted: random bytes spell a 4-byte string about once in 4 billion tries).
    assert [v for v in values if len(v) > 1 and v in text] == []
    assert [v for v in values if f'"{v}"' in stored] == []
    code_forms = {code, savecode.format_code(code), code.lower(),
                  savecode.format_code(code).lower(), hashlib.sha256(code.encode()).hexdigest(),
                  hashlib.sha256(savecode.format_code(code).encode()).hexdigest()}
    assert all(form.casefold() not in folded for form in code_forms)
    # Nothing the server holds opens it: not the data keys (as Fernet or as AES keys), not
    # the lookup keys, not the stored lookup id, not a neighbouring code.
    row = dict(columns)
    sealed = Sealed(bytes(row["salt"]), KdfParams(row["kdf_n"], row["kdf_r"], row["kdf_p"]),
                    bytes(row["sealed"]))
    bound = row["lookup"].encode()
    cipher = Cipher(",".join(TEST_DATA_KEYS))
    assert not any(cipher.opens(reading(value)) for _, value in columns
                   if reading(value).isascii())
    server_keys = [base64.urlsafe_b64decode(k) for k in TEST_DATA_KEYS]
    server_keys += [lookup_key(k) for k in TEST_DATA_KEYS]
    server_keys += [KDF.derive(code, lookup_salt(k)) for k in TEST_DATA_KEYS]
    server_keys += [hashlib.sha256(bound).digest(), bytes.fromhex(row["lookup"])]
    for key in server_keys:
        with pytest.raises(InvalidTag):
            AESGCM(key).decrypt(sealed.blob[:12], sealed.blob[12:], bound)
    assert open_sealed(other_code(code), sealed, bound) is None
    assert open_sealed(code, sealed, bound)["answers"] == answers  # the code alone does


# The service


def test_a_screening_saved_half_way_comes_back_where_it_stopped(screening):
    code = screening.save_for_later(SO_FAR, HALF_WAY, "es", DAYS, T0)
    resumed = screening.resume_saved(typed_badly(code), T0 + timedelta(hours=3))
    assert resumed is not None
    assert resumed.answers == SO_FAR and resumed.language == "es"
    assert resumed.page is not None and resumed.page.id == "pain"
    assert set(resumed.done) == set(HALF_WAY)
    assert not resumed.red_flags_again and resumed.notes == []
    assert resumed.saved_at == T0 and resumed.ruleset_version == screening.rules.version
    assert screening.resume_saved(code, T0 + timedelta(hours=3)) is None


@pytest.mark.parametrize("red_flags", EMERGENCY_ANSWERS[:3] + EMERGENCY_ANSWERS[-1:])
def test_an_emergency_answer_is_never_saved(screening, store, red_flags):
    with pytest.raises(NotSavable):
        screening.save_for_later({"red_flags": red_flags}, ["urgent"], "en", DAYS, T0)
    assert store.saved.count() == 0


def test_answers_that_break_the_catalogue_are_not_saved(screening, store):
    with pytest.raises(NotSavable):
        screening.save_for_later({"pain_score": "a lot"}, ["pain"], "en", DAYS, T0)
    assert store.saved.count() == 0


def saved_under_an_older_catalogue(store: Store, answers: dict[str, Any], done: list[str],
                                   saved_at: datetime = T0, language: str = "en") -> str:
    """A save as an older version would have made it (no checks against today's)."""
    return store.saved.save(payload_for(answers, done, language, saved_at, "old", "old"),
                            DAYS, saved_at)


def test_a_question_that_no_longer_exists_is_dropped_with_a_note(screening, store):
    code = saved_under_an_older_catalogue(store, SO_FAR | {"favourite_pillow": "firm"},
                                          HALF_WAY)
    resumed = screening.resume_saved(code, T0 + timedelta(hours=1))
    assert resumed is not None and resumed.answers == SO_FAR
    assert resumed.notes == [Note("question_gone")]
    assert resumed.page.id == "pain"
    assert "no longer asked" in resumed.notes[0].text("en")


def test_two_questions_no_longer_asked_are_told_as_two(screening, store):
    code = saved_under_an_older_catalogue(store, SO_FAR | {"favourite_pillow": "firm",
                                                           "favourite_chair": "soft"},
                                          HALF_WAY)
    resumed = screening.resume_saved(code, T0 + timedelta(hours=1))
    assert resumed.answers == SO_FAR and resumed.notes == [Note("questions_gone")]
    assert resumed.notes[0].text("en").startswith("Some questions you answered")
    assert resumed.notes[0].text("es").startswith("Algunas preguntas que respondió")


def test_a_value_no_longer_offered_is_dropped_and_its_page_asked_again(screening, store):
    answers = SO_FAR | {"imaging": ["mri", "pet_scan"], "main_symptom": "hip_pain"}
    code = saved_under_an_older_catalogue(store, answers, HALF_WAY)
    resumed = screening.resume_saved(code, T0 + timedelta(hours=1))
    assert resumed is not None
    assert resumed.answers["imaging"] == ["mri"] and "main_symptom" not in resumed.answers
    assert set(resumed.notes) == {Note("value_gone", "imaging"),
                                  Note("value_gone", "main_symptom")}
    assert "imaging" not in resumed.done and "symptoms" not in resumed.done
    assert resumed.page.id == "imaging"  # the first page to answer again
    imaging = QUESTIONS["imaging"].prompt
    assert imaging in Note("value_gone", "imaging").text("en")


def test_a_value_not_offered_with_the_other_answers_is_dropped(screening, store):
    answers = COMPLETE_ANSWERS | {"age_band": "75_plus",
                                  "health_factors": ["pregnant", "smoking"]}
    code = saved_under_an_older_catalogue(store, answers, [p.id for p in PAGES])
    resumed = screening.resume_saved(code, T0 + timedelta(hours=1))
    assert resumed is not None and resumed.answers["health_factors"] == ["smoking"]
    assert resumed.notes == [Note("value_gone", "health_factors")]
    assert resumed.page.id == "health"


@pytest.mark.parametrize("payload", [
    {"v": PAYLOAD_VERSION + 1, "answers": SO_FAR, "done": HALF_WAY, "language": "es"},
    {"v": PAYLOAD_VERSION, "answers": SO_FAR},  # fields missing
    {"v": PAYLOAD_VERSION, "answers": [], "done": [], "language": "en",
     "saved_at": T0.isoformat()},
    {"v": PAYLOAD_VERSION, "answers": {}, "done": [], "language": "en", "saved_at": "noon"},
    ["not", "a", "mapping"],
], ids=["another version", "fields missing", "answers not a map", "bad time", "a list"])
def test_a_save_this_version_cannot_read_comes_back_empty_with_a_note(payload):
    """Its code opened it (and is used up): the patient is told to start again, on the
    first page, in the saved language when it is offered, never told the code is wrong."""
    resumed = restore(payload, T0, ("en", "es"))
    assert resumed.answers == {} and resumed.done == []
    assert resumed.notes == [Note("not_restored")]
    assert resumed.page == Flow(validate_answers({}, complete=False), []).first_incomplete
    assert resumed.language == (payload.get("language", "en") if isinstance(payload, dict)
                                else "en")
    assert "start again" in resumed.notes[0].text("en") and not resumed.restored


def test_a_save_whose_every_answer_is_gone_starts_again(screening, store):
    code = saved_under_an_older_catalogue(store, {"favourite_pillow": "firm",
                                                  "favourite_chair": "soft"}, ["pillow"])
    resumed = screening.resume_saved(code, T0 + timedelta(hours=1))
    assert not resumed.restored and resumed.notes == [Note("not_restored")]
    assert resumed.answers == {} and resumed.page == PAGES[0]


@pytest.mark.parametrize(("ahead", "again"), [(timedelta(minutes=2), False),
                                              (timedelta(minutes=10), True),
                                              (timedelta(days=30), True)])
def test_a_save_from_the_future_asks_the_red_flags_again(screening, store, ahead, again):
    """Another server's clock a little ahead is fine; further ahead, never a way to skip
    the urgent pages for ever."""
    code = saved_under_an_older_catalogue(store, SO_FAR, HALF_WAY, saved_at=T0 + ahead)
    resumed = screening.resume_saved(code, T0)
    assert resumed.red_flags_again is again
    assert ("red_flags" in resumed.answers) is not again


@pytest.mark.parametrize("red_flags", EMERGENCY_ANSWERS[:2] + EMERGENCY_ANSWERS[-1:], ids=str)
def test_symptoms_today_s_catalogue_reads_as_an_emergency_are_asked_again(screening, store,
                                                                           red_flags):
    """Never saved as an emergency (refused above), but the catalogue may have changed since:
    the urgent pages ask again, and an emergency answer there ends the flow as always."""
    code = saved_under_an_older_catalogue(store, SO_FAR | {"red_flags": red_flags},
                                          [page.id for page in PAGES[:8]])
    resumed = screening.resume_saved(code, T0 + timedelta(hours=1))
    assert resumed.red_flags_again and "red_flags" not in resumed.answers
    assert resumed.page == RED_FLAG_PAGES[0]


@pytest.mark.parametrize("hours, again", [(23, False), (25, True), (24 * 6, True)])
def test_the_red_flag_pages_show_again_when_the_save_is_older_than_a_day(screening, hours,
                                                                         again):
    code = screening.save_for_later(SO_FAR, HALF_WAY, "en", DAYS, T0)
    resumed = screening.resume_saved(code, T0 + timedelta(hours=hours))
    assert resumed is not None and resumed.red_flags_again is again
    red_flag_pages = {p.id for p in RED_FLAG_PAGES}
    if again:
        assert "red_flags" not in resumed.answers
        assert resumed.page.id == RED_FLAG_PAGES[0].id
        assert not red_flag_pages & set(resumed.done)
        assert Note("red_flags_again") in resumed.notes
        assert resumed.answers == {k: v for k, v in SO_FAR.items() if k != "red_flags"}
    else:
        assert resumed.answers == SO_FAR and resumed.page.id == "pain"


def test_a_language_no_longer_offered_comes_back_in_the_first_one(ruleset, store):
    saver = Screening(ruleset, "999", ("en", "es"))
    saver.use_saved(store.saved)
    code = saver.save_for_later(SO_FAR, HALF_WAY, "es", DAYS, T0)
    english_only = Screening(ruleset, "999", ("en",))
    english_only.use_saved(store.saved)
    resumed = english_only.resume_saved(code, T0)
    assert resumed is not None and resumed.language == "en"


@given(answers=answer_sets(), stopped=st.integers(0, 30), hours=st.integers(0, 24 * 7))
def test_any_answers_saved_today_come_back_as_they_were_and_where_they_stopped(answers,
                                                                              stopped, hours):
    """Restoring under the catalogue they were saved with changes nothing within a day;
    after it, only the red flags go, and the flow starts with their pages again."""
    valid = validate_answers(answers, complete=False)
    assume(not is_emergency(valid.get("red_flags")))  # never saved (tested above)
    done = [page.id for page in visible_pages(valid)][:stopped]
    resumed = restore(payload_for(valid, done, "en", T0, "v", "c"), T0 + timedelta(hours=hours))
    assert resumed is not None
    if hours <= 24:
        assert resumed.answers == valid and resumed.notes == [] and resumed.done == sorted(done)
        assert resumed.page == Flow(valid, done).first_incomplete
    else:
        assert resumed.red_flags_again and "red_flags" not in resumed.answers
        assert resumed.page is not None and resumed.page.question == "red_flags"
        assert resumed.answers == validate_answers(
            {k: v for k, v in valid.items() if k != "red_flags"}, complete=False)

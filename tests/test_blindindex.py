"""Finding a caller who lost the code, by name or phone number, on SQLite and PostgreSQL:
through a keyed blind index that holds no readable name or number, forgets a withdrawn
submission, and keeps working through a key rotation (which also indexes old rows)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import delete, select

from screener.store.blindindex import normal_name, phone_terms
from screener.store.crypto import key_id
from screener.store.models import SearchEntry
from screener.store.service import Store
from screener.store.submissions import Contact, NewSubmission

from .conftest import COMPLETE_ANSWERS, TEST_DATA_KEYS

OLD, NEW = TEST_DATA_KEYS
NAME, PHONE = "José Álvarez-Núñez", "+1 (555) 010-4477"


def open_store(url: str, keys: str, country_code: str = "1") -> Store:
    store = Store(url, keys, "test-" + "k" * 40, country_code=country_code)
    store.ensure_ready()
    return store


@pytest.fixture
def stores(database_url):
    opened: list[Store] = []

    def make(keys: str = OLD) -> Store:
        opened.append(open_store(database_url, keys))
        return opened[-1]

    yield make
    for store in opened:
        store.dispose()


def send(store: Store, n: int, name: str = NAME, phone: str = PHONE) -> str:
    new = NewSubmission(answers=dict(COMPLETE_ANSWERS), urgent=False,
                        contact=Contact(name, phone, "evening"), note="", language="es",
                        ruleset_version="test", consent_version="test")
    return store.submissions.create(new, f"{n:032d}", 30)[0]


def entries(store: Store) -> list[SearchEntry]:
    with store.engine.connect() as connection:
        return list(connection.execute(select(SearchEntry)).all())


def test_the_index_holds_no_readable_name_or_number(stores):
    store = stores()
    sid = send(store, 1)
    rows = entries(store)
    assert rows and {row.submission_id for row in rows} == {sid}
    dumped = " ".join(f"{row.key_id} {row.digest}" for row in rows).casefold()
    for word in ("jose", "josé", "alvarez", "álvarez", "nunez", "5550104477", "010-4477"):
        assert word not in dumped
    # Keyed: not the plain hash anyone could compute from a phone book.
    plain = {hashlib.sha256(t.encode()).hexdigest()
             for t in ("jose alvarez nunez", "jose", "alvarez", "5550104477", "15550104477")}
    assert plain.isdisjoint(row.digest for row in rows)


@pytest.mark.parametrize("typed", ["JOSÉ ÁLVAREZ-NÚÑEZ", "jose alvarez nunez", "  José   "
                                   "Álvarez  Núñez ", "alvarez", "NÚÑEZ",
                                   "555 010 4477", "5550104477", "+1 555 010 4477",
                                   "001 555 010 4477", "1-555-010-4477", "(555) 010 4477"])
def test_finds_a_name_in_another_case_and_a_number_in_another_format(stores, typed):
    store = stores()
    sid = send(store, 1)
    send(store, 2, "Alex Morgan", "555 010 9999")
    assert store.submissions.search(typed) == [sid]


def test_a_number_stored_without_the_country_code_is_found_with_it(stores):
    store = stores()
    sid = send(store, 1, phone="555 010 4477")
    assert store.submissions.search("+1 555 010 4477") == [sid]


@pytest.mark.parametrize("typed", ["555 010 4478", "Jose Alvare", "010", "", "   ", "Morgan"])
def test_finds_nothing_that_does_not_match(stores, typed):
    store = stores()
    send(store, 1)
    assert store.submissions.search(typed) == []


def test_two_callers_with_one_name_are_both_found(stores):
    store = stores()
    first, second = send(store, 1, "Alex Morgan"), send(store, 2, "alex morgan")
    assert sorted(store.submissions.search("Alex MORGAN")) == sorted([first, second])


def test_a_withdrawn_submission_is_no_longer_found(stores):
    store = stores()
    sid = send(store, 1)
    assert store.submissions.withdraw(sid)
    assert store.submissions.search(NAME) == [] and entries(store) == []


def test_rotation_keeps_search_working_and_rekeys_the_index(database_url):
    old = open_store(database_url, OLD)
    sid = send(old, 1)
    old.dispose()
    both = open_store(database_url, f"{NEW}, {OLD}")
    try:
        assert both.submissions.search("jose alvarez nunez") == [sid]  # before rotating
        report = both.rotate_keys()
        assert report.complete and report.rotated["search_index"] == 1
        assert {row.key_id for row in entries(both)} == {f"{key_id(NEW)}+1"}
        assert both.submissions.search("555 010 4477") == [sid]
    finally:
        both.dispose()
    new = open_store(database_url, NEW)  # the old key gone
    try:
        assert new.submissions.search("JOSE") == [sid]
    finally:
        new.dispose()


def test_a_new_country_code_takes_effect_for_stored_numbers_at_the_next_rotation(
        database_url):
    before = open_store(database_url, OLD, country_code="")
    sid = send(before, 1, phone="+44 20 7946 0018")
    before.dispose()
    after = open_store(database_url, OLD, country_code="44")  # the clinic sets its code
    try:
        assert after.submissions.search("020 7946 0018") == []
        assert after.rotate_keys().rotated["search_index"] == 1
        assert after.submissions.search("020 7946 0018") == [sid]
        assert after.rotate_keys().rotated["search_index"] == 0  # nothing left to redo
    finally:
        after.dispose()


def test_rotation_indexes_submissions_stored_before_the_index(stores):
    store = stores()
    sid = send(store, 1)
    with store.engine.begin() as connection:
        connection.execute(delete(SearchEntry))
    assert store.submissions.search(NAME) == []
    assert store.rotate_keys().rotated["search_index"] == 1
    assert store.submissions.search(NAME) == [sid]


@given(digits=st.text("0123456789", min_size=7, max_size=12),
       separators=st.lists(st.sampled_from([" ", "-", ".", "(", ")", ""]), min_size=12,
                           max_size=12),
       prefix=st.sampled_from(["", "+1 ", "001 ", "1 "]))
@example(digits="0000000", separators=[" "] * 12, prefix="+1 ")  # 00: prefix or number?
@example(digits="0012345", separators=[""] * 12, prefix="001 ")
def test_any_way_of_writing_a_number_shares_a_term_with_it(digits, separators, prefix):
    written = prefix + "".join(d + s for d, s in zip(digits, separators, strict=False))
    assert phone_terms(written, "1") & phone_terms(digits, "1")


@given(st.text("abcdefghijklmnopqrstuvwxyzáéíóúñüçàèìòùâêîôûäëïöÿ -'", min_size=1,
               max_size=30))
def test_a_name_in_upper_or_lower_case_and_without_accents_normalises_alike(name):
    plain = name.translate(str.maketrans("áéíóúñüçàèìòùâêîôûäëïöÿ", "aeiounucaeiouaeiouaeioy"))
    assert normal_name(name.upper()) == normal_name(name) == normal_name(plain)

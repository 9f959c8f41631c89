"""Benchmark: finding a caller by name or phone through the blind index, against decrypting
every row (what a search without the index would have to do), and what a dump of the
index gives away.

Run: .venv/bin/python bench/staff_search.py [--submissions 5000] [--rounds 20]

Fills a fresh SQLite database (migrated as ``screener db upgrade`` does) with real sealed
submissions through ``store.submissions.create``. Then times, median over ROUNDS:

  index name      submissions.search("<NAME>")          (HMAC of the typed terms, one query)
  index phone     submissions.search("+1 (555) ...")
  decrypt all     open every row's contact and compare  (the approach the index replaces)

and, playing someone holding a copy of the database but not the keys, hashes every stored
name, word and number with unkeyed SHA-256 and MD5 (what an unkeyed index would hold) and
counts how many index entries those guesses match ("tried N / held N"). Then it rotates
to a new data key and checks every name and number is still found. Figures are for
reading, not a pass/fail target: exit code 0 (1 if a guess matched or a search failed).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from screener.store.blindindex import name_terms, phone_terms
from screener.store.crypto import new_key
from screener.store.db import make_engine, upgrade
from screener.store.models import SearchEntry, Submission
from screener.store.service import Store
from screener.store.submissions import Contact, NewSubmission

SECRET = "bench-" + "s" * 40
FIRST = ["Ana", "Lucía", "José", "Alex", "Sam", "María", "Chen", "Fatima", "Olu", "Kim"]
LAST = ["Lopez", "Núñez", "Morgan", "Lee", "García", "Okafor", "Smith", "Nguyen", "Ruiz"]


def median_ms(action, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(30)
    folder = Path(tempfile.mkdtemp(prefix="screener-search-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    old = new_key()
    store = Store(url, old, SECRET, country_code="1")
    store.ensure_ready()
    people = []
    for n in range(args.submissions):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}"
        phone = f"555 {rng.randrange(1000):03d} {n:04d}"
        people.append((name, phone))
        store.submissions.create(NewSubmission(
            answers={}, contact=Contact(name, phone, "morning"), note="", language="en",
            urgent=False, ruleset_version="bench", consent_version="bench"),
            f"{n:032d}", 30)
    name, phone = people[len(people) // 2]
    digits = "".join(ch for ch in phone if ch.isdigit())
    typed_phone = f"+1 ({digits[:3]}) {digits[3:6]}-{digits[6:]}"

    def decrypt_all() -> list[str]:
        with store.engine.connect() as connection:
            rows = connection.execute(select(Submission.id, Submission.contact)).all()
        return [row.id for row in rows
                if store.cipher.open(row.id, "contact", row.contact)["name"] == name]

    failures = 0
    for label, action in (("index name", lambda: store.submissions.search(name.upper())),
                          ("index phone", lambda: store.submissions.search(typed_phone)),
                          ("decrypt all", decrypt_all)):
        found = action()
        failures += len(found) != 1
        print(f"{label:12} {median_ms(action, args.rounds):9.2f} ms median "
              f"({args.submissions} submissions, found {len(found)})")

    with store.engine.connect() as connection:
        digests = set(connection.scalars(select(SearchEntry.digest)))
    guesses = set()
    for person_name, person_phone in people:
        for term in name_terms(person_name) | phone_terms(person_phone, "1"):
            for kind in ("", "name\0", "phone\0"):
                for hash_name in ("sha256", "md5"):
                    guesses.add(hashlib.new(hash_name, (kind + term).encode()).hexdigest())
    matched = len(guesses & digests)
    print(f"unkeyed guesses: tried {len(guesses)} / held {len(guesses) - matched} "
          f"(index entries: {len(digests)})")

    store.dispose()
    rotated = Store(url, f"{new_key()}, {old}", SECRET, country_code="1")
    report = rotated.rotate_keys()
    sample = rng.sample(people, min(200, len(people)))
    found = sum(len(rotated.submissions.search(n)) == 1 and
                len(rotated.submissions.search(p)) == 1 for n, p in sample)
    print(f"after rotation: re-indexed {report.rotated.get('search_index', 0)}, "
          f"found {found} of {len(sample)} sampled by name and by phone")
    rotated.dispose()
    return 1 if matched or failures or found != len(sample) else 0


if __name__ == "__main__":
    sys.exit(main())

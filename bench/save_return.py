"""Benchmark: what a return code costs an attacker and a patient.

Run: .venv/bin/python bench/save_return.py [--runs 21]

Prints the return code's entropy, the KDF's parameters and memory, and the median time
of one key derivation (what every resume, and every guess against a stolen table, pays)
beside baselines measured in the same run: one SHA-256 and one AES-GCM decrypt of a
saved payload with its key already derived. Then the cost of one guess for whoever holds
the data keys AND the table (the lookup id: one scrypt, then an HMAC) and the expected
time, on one core, to find any one code among N live rows (a guess is checked against
every row at once: 2 ** 60 / N guesses). Then a whole resume (look up, derive, decrypt,
delete) on a fresh SQLite file. Figures are for reading, not pass/fail.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import sessionmaker

from screener.catalogue.sampling import example_answers
from screener.store import savecode
from screener.store.codebox import KDF, seal
from screener.store.crypto import new_key
from screener.store.db import make_engine, upgrade
from screener.store.saved import SavedScreenings


def median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--live", type=int, nargs="*", default=[100, 1000, 10000],
                        help="numbers of live saved screenings to price a search among")
    arguments = parser.parse_args()
    runs = arguments.runs
    saved_lookup = SavedScreenings(sessionmaker(), new_key())
    payload = {"answers": example_answers(), "done": [], "language": "en",
               "saved_at": datetime.now(UTC).isoformat()}
    code = savecode.new_code()
    sealed = seal(code, payload, b"lookup")
    key = KDF.derive(code, sealed.salt)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aes = AESGCM(key)
    nonce, body = sealed.blob[:12], sealed.blob[12:]
    sha = median_seconds(lambda: hashlib.sha256(code.encode()).digest(), runs * 100)
    lookup = median_seconds(lambda: saved_lookup.lookup_ids(code), runs)
    decrypt = median_seconds(lambda: aes.decrypt(nonce, body, b"lookup"), runs * 100)
    derive = median_seconds(lambda: KDF.derive(code, os.urandom(16)), runs)

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        upgrade(engine)
        saved = SavedScreenings(sessionmaker(engine), new_key())
        codes = [saved.save(payload, 7) for _ in range(runs)]
        taken = iter(codes)
        resume = median_seconds(lambda: saved.take(next(taken)), runs)
        engine.dispose()

    print(f"return code: {savecode.LENGTH} characters of {len(savecode.ALPHABET)} "
          f"({savecode.ALPHABET}), {savecode.BITS:.0f} bits, e.g. "
          f"{savecode.format_code(savecode.new_code())}")
    print(f"KDF: scrypt n=2^{KDF.n.bit_length() - 1} r={KDF.r} p={KDF.p}, "
          f"{KDF.memory / 2 ** 20:.0f} MiB per derivation")
    print(f"baseline sha256 of the code:      {sha * 1e6:9.2f} us (median of {runs * 100})")
    print(f"baseline AES-GCM decrypt:         {decrypt * 1e6:9.2f} us (median of {runs * 100})")
    print(f"scrypt key derivation:            {derive * 1e3:9.1f} ms (median of {runs}), "
          f"{derive / sha:,.0f} x a sha256, {derive / decrypt:,.0f} x a decrypt")
    print(f"whole resume (SQLite: find, derive, decrypt, delete): {resume * 1e3:.1f} ms "
          f"(median of {runs})")
    year = 3600 * 24 * 365
    half = 2 ** (savecode.BITS - 1)
    print(f"half the code space, one core, a stolen table without the data keys "
          f"(a scrypt per guess per row): {half * derive / year:.1e} years")
    print(f"one guess WITH the data keys and the table (lookup id: a scrypt, then an "
          f"HMAC): {lookup * 1e3:.1f} ms (median of {runs})")
    for live in arguments.live:
        print(f"  expected time to find any one code among {live:>6,} live rows, one core: "
              f"{2 ** savecode.BITS / live * lookup / year:.1e} years")


if __name__ == "__main__":
    main()

"""Two app servers behind one nginx upstream, on one PostgreSQL and one Redis, as two
machines would run them (each gunicorn its own process group, folder, log and control
socket), and patients who walk through them and send; for tests/test_two_servers.py and
bench/two_servers.py.

A patient is a ``requests`` session (its own cookie jar) that answers every page through
nginx, opens the send form and sends it. Every answer nginx gives is sorted: the app's,
nginx's bare error page (``<center>nginx</center>``: what the issue says no patient may
see), the screener's calm "try again" page (deploy/errors/try-again.html), or a cut one. A
patient who meets an error goes back and presses again, once, as a person would.

A cut answer is the one limit no proxy lifts: nginx sends a request on to the other server
only while it has sent the patient nothing, and a server killed while writing a page has
already handed nginx its first bytes (gunicorn writes the head, then the body). So the
requests the killed server's workers were answering at that instant, one each at most, can
reach the patient cut short; a reload goes to the survivor.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from screener.catalogue.answers import visible_pages
from screener.catalogue.split import page_answers

from .servers import Served, Tls, start_gunicorn, start_nginx

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SEND_TOKEN = re.compile(r'name="send_token" type="hidden" value="([^"]+)"')
CODE = re.compile(r"data-reference>([^<]+)<")
BARE = "<center>nginx"  # in each of nginx's own error pages, whatever the status
CALM = "Please try again in a moment"


@dataclass
class Site:
    """nginx on ``base`` in front of ``apps`` (two gunicorns), sharing one database."""

    base: str
    apps: list[Served]
    nginx: Served
    database_url: str

    def served(self, method: str, path: str) -> list[int]:
        """How many requests each app logged for ``method`` and a path starting ``path``."""
        counts = []
        for app in self.apps:
            found = 0
            for line in app.log.read_text(errors="replace").splitlines():
                if line.startswith("{"):
                    entry = json.loads(line)
                    found += entry.get("method") == method and str(
                        entry.get("path", "")).startswith(path)
            counts.append(found)
        return counts

    def which_served(self, method: str, path: str, seconds: float = 10) -> int:
        """The one app whose log shows this request (waiting for the line to be written)."""
        deadline = time.monotonic() + seconds
        while True:
            counts = self.served(method, path)
            if sum(counts) == 1:
                return counts.index(1)
            assert time.monotonic() < deadline, (method, path, counts)
            time.sleep(0.05)

    def kill(self, index: int) -> float:
        """SIGKILL the app's master and workers at once; the moment it happened."""
        os.killpg(self.apps[index].process.pid, signal.SIGKILL)
        moment = time.monotonic()
        self.apps[index].process.wait(timeout=10)
        return moment

    def stop(self) -> None:
        self.nginx.stop()
        for app in self.apps:
            if app.process.poll() is None:
                app.stop()


def start_site(folder: Path, tls: Tls, database_url: str, redis_url: str, data_keys: str,
               **settings: str) -> Site:
    """Two gunicorns (2 workers each), each in its own folder with its own control socket,
    and nginx from deploy/nginx.conf with both in its upstream."""
    apps = []
    for n in (1, 2):
        own = folder / f"server-{n}"
        own.mkdir()
        apps.append(start_gunicorn(
            own, None, own_group=True, PROXY_COUNT="1", HANDOFF="true",
            DATABASE_URL=database_url, DATA_KEYS=data_keys, CLINIC_NAME="Riverside Spine",
            CLINIC_PHONE="555 0100", RATELIMIT_STORAGE_URI=redis_url,
            CONTROL_SOCKET=str(own / "gunicorn.ctl"), **settings))
    nginx = start_nginx(folder, [app.base.removeprefix("http://") for app in apps], tls)
    return Site(nginx.base, apps, nginx, database_url)


@dataclass
class Seen:
    """What one person met on the way: nginx's bare pages, the calm page, other errors."""

    bare: int = 0
    calm: int = 0
    cut: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class Browser:
    """A person's browser on the site: one cookie jar, the test CA trusted."""

    def __init__(self, site: Site, tls: Tls) -> None:
        self.site = site
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = str(tls.ca)
        self.seen = Seen()

    def open(self, method: str, path: str, **kwargs: Any) -> requests.Response | None:
        url = self.site.base + path
        if method == "POST":
            kwargs.setdefault("headers", {})["Referer"] = url
        try:
            response = self.session.request(method, url, timeout=60, allow_redirects=False,
                                            **kwargs)
        except (requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ConnectionError) as exc:
            self.seen.cut.append(f"{method} {path}: {type(exc).__name__}")
            return None
        except requests.RequestException as exc:
            self.seen.failed.append(f"{method} {path}: {type(exc).__name__}")
            return None
        if response.status_code >= 500:
            self.seen.bare += BARE in response.text
            self.seen.calm += CALM in response.text
        return response

    def post_form(self, path: str, data: dict[str, Any], expect: int = 302) -> bool:
        """Open the page, post the form; on an error go back and press again, once."""
        for _ in range(2):
            page = self.open("GET", path)
            if page is None or page.status_code != 200:
                continue
            token = CSRF.search(page.text)
            extra = SEND_TOKEN.search(page.text)
            form = dict(data, csrf_token=token.group(1) if token else "")
            if extra and "send_token" not in data:
                form["send_token"] = extra.group(1)
            response = self.open("POST", path, data=form)
            if response is not None and response.status_code == expect:
                return True
            if response is not None and response.status_code < 500:
                self.seen.failed.append(f"POST {path}: HTTP {response.status_code}")
                return False
        self.seen.failed.append(f"POST {path}: no answer after two presses")
        return False


def form_of(answers: dict[str, Any], names: Any) -> dict[str, Any]:
    return {k: [str(x) for x in v] if isinstance(v, list) else str(v)
            for k, v in answers.items() if k in names}


@dataclass
class Sent:
    """One patient's send: the reference code they saw (None: none), when it went through."""

    code: str | None
    done_at: float | None
    seen: Seen


def patient(site: Site, tls: Tls, number: int, answers: dict[str, Any],
            on_sent: Callable[[], None]) -> Sent:
    """Answer every page, then send; ``on_sent`` once the send has been answered."""
    browser = Browser(site, tls)
    walked = all(browser.post_form(f"/step/{page.id}",
                                   form_of(page_answers(page, answers), page.questions))
                 for page in visible_pages(answers))
    code = done_at = None
    if walked:
        contact = {"name": f"Patient {number:04d}", "phone": f"555 {number:07d}",
                   "best_time": "any", "consent": "y"}
        if browser.post_form("/send", contact):
            done_at = time.monotonic()
            page = browser.open("GET", "/sent")
            found = CODE.search(page.text) if page is not None else None
            code = found.group(1).replace("-", "").strip() if found else None
    on_sent()
    return Sent(code, done_at, browser.seen)


@dataclass
class Run:
    """The figures of one run of sends with a server killed midway."""

    sends: int
    lost: int
    duplicated: int
    bare: int
    calm: int
    cut: list[str]  # answers cut short by the kill (see the module's docstring)
    failed: list[str]
    carry_on: float | None  # seconds from the kill to the next send that went through
    steps_served: list[int]
    codes: list[str | None]
    upstream_errors: int  # requests nginx saw fail on the killed server, and sent on


def upstream_errors(site: Site) -> int:
    """nginx's error-log lines for a request an app server dropped or refused."""
    return sum(1 for line in site.nginx.log.read_text(errors="replace").splitlines()
               if "upstream" in line and ("failed" in line or "prematurely" in line))


def sends_with_a_kill(site: Site, tls: Tls, answers: dict[str, Any], sends: int,
                      victim: int, threads: int, first: int = 0) -> Run:
    """``sends`` patients in ``threads`` at a time; ``victim`` is killed once half of them
    have sent. Then each code seen is looked up: one row each, and no other rows."""
    from sqlalchemy import text

    from screener.store.db import make_engine
    from screener.store.reference import digest

    engine = make_engine(site.database_url)
    with engine.connect() as db:
        before = db.execute(text("SELECT count(*) FROM submissions")).scalar_one()
    done = Counter[str]()
    lock = threading.Lock()
    half = threading.Event()
    killed: list[float] = []

    def on_sent() -> None:
        with lock:
            done["sent"] += 1
            if done["sent"] == sends // 2:
                half.set()

    def killer() -> None:
        half.wait()
        killed.append(site.kill(victim))

    kill_thread = threading.Thread(target=killer, daemon=True)
    kill_thread.start()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(lambda n: patient(site, tls, n, answers, on_sent),
                                range(first, first + sends)))
    kill_thread.join(timeout=30)
    with engine.connect() as db:
        rows = db.execute(text("SELECT count(*) FROM submissions")).scalar_one() - before
        stored = Counter(dict(db.execute(text(
            "SELECT reference_digest, count(*) FROM submissions GROUP BY reference_digest"
        )).all()))
    engine.dispose()
    codes = [r.code for r in results]
    lost = sum(1 for code in codes if code is None or not stored.get(digest(code)))
    # Rows beyond one a patient, and any code stored twice.
    duplicated = max(0, rows - sends) + sum(n - 1 for n in stored.values() if n > 1)
    after = [r.done_at for r in results if r.done_at and killed and r.done_at > killed[0]]
    return Run(sends, lost, duplicated, sum(r.seen.bare for r in results),
               sum(r.seen.calm for r in results),
               [c for r in results for c in r.seen.cut],
               [f for r in results for f in r.seen.failed],
               min(after) - killed[0] if after else None, site.served("POST", "/step/"), codes,
               upstream_errors(site))

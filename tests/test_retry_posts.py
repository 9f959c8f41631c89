"""Which posts nginx sends again when a server dies with them (deploy/nginx.conf): a
patient's, which the app makes idempotent, and never a staff member's. The first server of
the upstream here is a stand-in for one that dies holding the post: it answers a GET, but
reads a POST and closes the connection unanswered. nginx takes its servers in turn, so of
two posts exactly one reaches it."""

from __future__ import annotations

import socket
import threading

import pytest

from .conftest import require
from .servers import start_gunicorn, start_nginx
from .twoservers import BARE, CALM, Browser, Site

pytestmark = pytest.mark.slow


class DiesOnPosts:
    """A loopback server that answers GETs and drops every POST it has fully read."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.posts = 0
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.answer, args=(connection,), daemon=True).start()

    def answer(self, connection: socket.socket) -> None:
        with connection:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            if head.startswith(b"POST"):
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(body) < length:
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                self.posts += 1
                return  # the server died with the post
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                               b"Connection: close\r\n\r\nok")

    def stop(self) -> None:
        self.listener.close()


@pytest.fixture
def dying_first(tmp_path, tls):
    require("nginx", "nginx")
    app = start_gunicorn(tmp_path, None, PROXY_COUNT="1", HANDOFF="false",
                         DATABASE_URL=f"sqlite:///{tmp_path / 'usage.sqlite3'}")
    stub = DiesOnPosts()
    nginx = start_nginx(tmp_path, [stub.address, app.base.removeprefix("http://")], tls)
    yield Site(nginx.base, [app], nginx, ""), stub
    nginx.stop()
    app.stop()
    stub.stop()


def test_a_patients_post_is_sent_again_to_the_other_server(dying_first, tls):
    site, stub = dying_first
    patient = Browser(site, tls)
    answered = [patient.post_form("/step/urgent", {"red_flags": "none"}) for _ in range(2)]
    assert answered == [True, True] and stub.posts == 1
    assert (patient.seen.bare, patient.seen.calm, patient.seen.failed) == (0, 0, [])


def test_a_staff_post_is_never_sent_twice_and_gets_the_calm_page(dying_first, tls):
    site, stub = dying_first
    staff = Browser(site, tls)
    statuses = []
    for _ in range(2):
        page = staff.open("GET", "/staff/sign-in")
        assert page.status_code in (200, 404)
        posted = staff.open("POST", "/staff/sign-in", data={"email": "a@b.example"})
        statuses.append(posted.status_code)
        if posted.status_code == 502:
            assert CALM in posted.text and BARE not in posted.text
    assert stub.posts == 1 and statuses.count(502) == 1

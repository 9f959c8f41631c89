"""A forged Host header never reaches a link: the intake email, setup links and the
withdraw address come from SCREENER_BASE_URL; the app will not email without it; and the
shipped nginx answers only the screener's own name (issue 26, failure 1)."""

from __future__ import annotations

import json
import re
import socket
import ssl
import time
import uuid

import pytest
from flask.testing import FlaskClient

from screener.app import create_app
from screener.config import ConfigError

from .conftest import HANDOFF_CONFIG, require
from .servers import start_gunicorn, start_nginx
from .test_handoff import URGENT, Patient
from .test_notify import wait_for

EVIL = "evil.example"
BASE = "https://screener.riverside.example"


class ForgedHost(FlaskClient):
    """A client that sends ``Host: evil.example`` on every request, as an attacker can."""

    def open(self, *args, **kwargs):
        kwargs["headers"] = {**dict(kwargs.get("headers") or {}), "Host": EVIL}
        return super().open(*args, **kwargs)


def forged_client(app) -> FlaskClient:
    app.test_client_class = ForgedHost
    client = app.test_client()
    assert client.get("/healthz").request.host == EVIL  # the forgery reaches the app
    return client


# The app: links from configuration only


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("settings, link", [
    ({"BASE_URL": BASE}, f"{BASE}/staff/"),
    ({"BASE_URL": BASE + "/"}, f"{BASE}/staff/"),
    ({"STAFF_URL": "https://intranet.riverside.example/screener/staff/"},
     "https://intranet.riverside.example/screener/staff/"),
])
def test_the_intake_email_links_to_the_configured_address_whatever_the_host(
        make_handoff_app, smtp_port, inbox, settings, link):
    app = make_handoff_app(SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
                           NOTIFY_EMAIL="intake@clinic.example", **settings)
    patient = Patient(forged_client(app)).finish(URGENT)
    assert patient.send().location == "/sent"
    assert wait_for(lambda: len(inbox.messages) == 1)
    body = inbox.messages[0].get_payload(decode=True).decode()
    assert link in body
    assert EVIL not in inbox.messages[0].as_string()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_sent_page_and_every_redirect_on_the_way_ignore_the_host(make_handoff_app):
    app = make_handoff_app(BASE_URL=BASE)
    client = forged_client(app)
    patient = Patient(client).finish(URGENT)
    sent = patient.send()
    assert sent.location == "/sent"
    page = client.get("/sent").get_data(as_text=True)
    assert f"{BASE}/withdraw" in page and EVIL not in page
    redirects = [client.get(path) for path in ("/staff/", "/staff/admin/accounts",
                                               "/staff/sign-in/code", "/send")]
    redirects.append(client.post("/sent/withdraw"))
    assert all(r.status_code in (302, 303) for r in redirects)
    assert all(r.location.startswith("/") and EVIL not in r.location for r in redirects)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_without_a_base_url_the_sent_page_gives_the_path_never_the_host(make_handoff_app):
    client = forged_client(make_handoff_app())
    Patient(client).finish(URGENT).send()
    page = client.get("/sent").get_data(as_text=True)
    assert "/withdraw" in page and EVIL not in page


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("base", [BASE, ""])
def test_a_setup_link_never_names_the_requests_host(make_handoff_app, base):
    from .staffkit import make_person, sign_in

    app = make_handoff_app(BASE_URL=base)
    admin = make_person(app, "admin@riverside.example", "admin")
    client = forged_client(app)
    sign_in(client, admin)
    posted = client.post("/staff/admin/accounts", data={"email": "new@riverside.example",
                                                        "role": "nurse"})
    assert posted.location == "/staff/admin/accounts"  # the redirect is a path, not the Host
    added = client.get(posted.location).get_data(as_text=True)
    link = re.search(r'class="setup-link"><code>([^<]+)<', added).group(1)
    assert EVIL not in added
    assert link.startswith(f"{base}/staff/setup/")
    assert ("SCREENER_BASE_URL is not set" in added) is (not base)


def test_the_handoff_will_not_email_without_the_screeners_address(database_url):
    settings = HANDOFF_CONFIG | {"DATABASE_URL": database_url,
                                 "SMTP_URL": "smtp://127.0.0.1:25",
                                 "NOTIFY_EMAIL": "intake@clinic.example"}
    with pytest.raises(ConfigError, match="SCREENER_BASE_URL is not set"):
        create_app(settings)


@pytest.mark.parametrize("value", ["screener.clinic.example", "//screener.clinic.example",
                                   "javascript:alert(1)", "https://", "https://x.example/?a=1",
                                   "https://x.example/#top", "https://x.example/a b"])
@pytest.mark.parametrize("key", ["BASE_URL", "STAFF_URL"])
def test_an_address_that_is_not_a_web_address_stops_start_up(key, value):
    with pytest.raises(ConfigError, match=f"SCREENER_{key}"):
        create_app({"TESTING": True, "SECRET_KEY": "x" * 40, key: value})


def test_the_start_up_report_names_the_setting(tmp_path, database_url):
    """As gunicorn starts it: the readable report and exit code 3, not a traceback."""
    import os
    import subprocess
    import sys

    env = os.environ | {"SCREENER_SECRET_KEY": "k" * 40, "SCREENER_HANDOFF": "true",
                        "SCREENER_DATABASE_URL": database_url,
                        "SCREENER_DATA_KEYS": HANDOFF_CONFIG["DATA_KEYS"],
                        "SCREENER_SMTP_URL": "smtp://127.0.0.1:25",
                        "SCREENER_NOTIFY_EMAIL": "intake@clinic.example"}
    env.pop("SCREENER_BASE_URL", None)
    env.pop("SCREENER_STAFF_URL", None)
    run = subprocess.run([sys.executable, "-c", "import screener.wsgi"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 3, run.stderr
    assert "SCREENER_BASE_URL is not set" in run.stderr and "Traceback" not in run.stderr


# The shipped nginx: only the screener's own name reaches the app


def raw_get(port: int, host: str, tls, sni: str | None, path: str = "/healthz") -> bytes:
    """One HTTP/1.1 request over TLS with the Host (and TLS name) given; the bytes back."""
    context = ssl.create_default_context(cafile=str(tls.ca))
    context.check_hostname = False  # the TLS name is the test's choice, even none
    with socket.create_connection(("127.0.0.1", port), timeout=10) as plain, \
            context.wrap_socket(plain, server_hostname=sni) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                     .encode())
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except (ssl.SSLEOFError, ConnectionResetError):
            pass  # closed without a TLS goodbye: nothing more came
        return received


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def app_log_has(log, text: str) -> bool:
    return any(text in json.loads(line).get("path", "")
               for line in log.read_text().splitlines() if line.startswith("{"))


def test_through_nginx_an_unknown_host_gets_no_answer_and_never_reaches_the_app(
        behind_nginx, tls):
    base, log = behind_nginx
    port, probe = port_of(base), f"/forged-{uuid.uuid4().hex}"
    for host in (EVIL, f"{EVIL}:{port}", "screener.clinic.example", "127.0.0.2"):
        assert raw_get(port, host, tls, None, probe) == b"", host
    control = f"/named-{uuid.uuid4().hex}"
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost"):
        answer = raw_get(port, host, tls, None, control)
        assert answer.startswith(b"HTTP/1.1 404"), (host, answer[:80])
    deadline = time.monotonic() + 10
    while not app_log_has(log, control) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert app_log_has(log, control) and not app_log_has(log, probe)


@pytest.fixture(scope="module")
def nginx_as_shipped(tmp_path_factory, tls):
    """deploy/nginx.conf with only ports and certificate paths changed: the default server
    rejects TLS names it does not know, as in production."""
    require("nginx", "nginx")
    folder = tmp_path_factory.mktemp("shipped-nginx")
    app = start_gunicorn(folder, None, PROXY_COUNT="1",
                         DATABASE_URL=f"sqlite:///{folder / 'usage.sqlite3'}")
    proxy = start_nginx(folder, app.base.removeprefix("http://"), tls, sni_only=True)
    yield port_of(proxy.base)
    proxy.stop()
    app.stop()


@pytest.mark.parametrize("sni", [EVIL, None, "127.0.0.1"])
def test_nginx_as_shipped_refuses_the_handshake_for_an_unknown_name(nginx_as_shipped, tls,
                                                                     sni):
    with pytest.raises(ssl.SSLError):
        raw_get(nginx_as_shipped, "localhost", tls, sni)


def test_nginx_as_shipped_closes_a_known_name_carrying_a_forged_host(nginx_as_shipped, tls):
    assert raw_get(nginx_as_shipped, EVIL, tls, "localhost") == b""
    assert raw_get(nginx_as_shipped, "localhost", tls, "localhost").startswith(b"HTTP/1.1 200")

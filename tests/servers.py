"""Real servers on loopback for the tests: gunicorn over TLS, nginx in front, a host page.

Certificates come from a throwaway CA made at run time (``trustme``), valid for
``127.0.0.1`` and ``localhost``: two names, so a page on one embeds the other cross-site.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NGINX_SITE = ROOT / "deploy" / "nginx.conf"
SECRET = "live-test-" + "x" * 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Tls:
    """A CA file for clients, and a certificate and key for servers."""

    ca: Path
    cert: Path
    key: Path

    def context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca))
        return context


def make_tls(folder: Path) -> Tls:
    import trustme

    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1", "localhost")
    tls = Tls(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    ca.cert_pem.write_to_path(str(tls.ca))
    issued.cert_chain_pems[0].write_to_path(str(tls.cert))
    for extra in issued.cert_chain_pems[1:]:
        with open(tls.cert, "ab") as out:
            out.write(extra.bytes())
    issued.private_key_pem.write_to_path(str(tls.key))
    return tls


def wait_until_up(url: str, process: subprocess.Popen, log: Path, tls: Tls | None,
                  seconds: float = 30) -> None:
    context = tls.context() if tls else None
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=1, context=context).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"{url} did not start:\n{log.read_text()}") from None
            time.sleep(0.2)


@dataclass
class Served:
    """A server process the tests started, its base URL and its log."""

    base: str
    log: Path
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_gunicorn(folder: Path, tls: Tls | None, *, own_group: bool = False,
                   **settings: str) -> Served:
    """The app as ``make serve`` runs it, with ``SCREENER_*`` settings; TLS when given;
    ``own_group``: master and workers in their own process group, so a test can kill them
    all at once (``os.killpg``), as a machine that dies takes its server with it."""
    port = free_port()
    log = folder / f"gunicorn-{port}.log"
    env = os.environ | {"SCREENER_SECRET_KEY": SECRET, "SCREENER_BIND": f"127.0.0.1:{port}",
                        "SCREENER_WORKERS": "2", "SCREENER_API_RATE_LIMIT": "10000 per minute"}
    env |= {f"SCREENER_{name}": value for name, value in settings.items()}
    if tls:
        env |= {"SCREENER_CERTFILE": str(tls.cert), "SCREENER_KEYFILE": str(tls.key)}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:screener.gunicorn_conf",
             "screener.wsgi:app"], env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=own_group)
    base = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    wait_until_up(base + "/healthz", process, log, tls)
    return Served(base, log, process)


def nginx_site(listen_port: int, upstream: str | list[str], tls: Tls, *,
               sni_only: bool = False) -> str:
    """The README's production site (``deploy/nginx.conf``) pointed at loopback test files,
    serving the names the test certificate holds (127.0.0.1 and localhost).

    A client that connects to an IP address sends no TLS name (SNI), and the shipped
    default server rejects such handshakes; so unless ``sni_only``, the default server here
    gets the test certificate instead, and still closes every request for an unknown Host.
    """
    site = NGINX_SITE.read_text(encoding="utf-8")
    servers = [upstream] if isinstance(upstream, str) else upstream
    replacements = {
        r"listen 443 ssl( default_server)?;": f"listen 127.0.0.1:{listen_port} ssl\\1;",
        r"listen \[::\]:443 ssl( default_server)?;\n": "",
        r"server_name screener\.clinic\.example;": "server_name 127.0.0.1 localhost;",
        r"server 127\.0\.0\.1:8000( [^;]*)?;": "\n    ".join(
            f"server {address}\\1;" for address in servers),
        r"root /opt/screener/src/deploy/errors;": f"root {ROOT / 'deploy' / 'errors'};",
        r"ssl_certificate /\S+;": f"ssl_certificate {tls.cert};",
        r"ssl_certificate_key /\S+;": f"ssl_certificate_key {tls.key};",
    }
    if not sni_only:
        replacements[r"ssl_reject_handshake on;"] = (
            f"ssl_certificate {tls.cert};\n    ssl_certificate_key {tls.key};")
    for pattern, replacement in replacements.items():
        site, count = re.subn(pattern, replacement, site)
        assert count, f"deploy/nginx.conf no longer has {pattern!r}"
    # The plain-HTTP servers listen on port 80, which tests cannot take.
    site, count = re.subn(r"\nserver \{\n    listen 80[ ;].*?\n\}\n", "\n", site, flags=re.S)
    assert count == 2, "deploy/nginx.conf no longer has its two port-80 servers"
    return site


def start_nginx(folder: Path, upstream: str | list[str], tls: Tls, *,
                sni_only: bool = False) -> Served:
    """Debian's nginx, master and workers, with only the project's site configuration;
    ``sni_only``: exactly as shipped, so clients must name localhost (see ``nginx_site``)."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    prefix = folder / f"nginx-{port}"
    prefix.mkdir()
    (prefix / "site.conf").write_text(nginx_site(port, upstream, tls, sni_only=sni_only),
                                      encoding="utf-8")
    user = "user root;\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"{user}worker_processes 1;\ndaemon off;\npid {prefix}/nginx.pid;\n"
        f"error_log {prefix}/error.log warn;\nevents {{ worker_connections 1024; }}\n"
        f"http {{\n  access_log {prefix}/access.log;\n"
        f"  client_body_temp_path {prefix}/body;\n  proxy_temp_path {prefix}/proxy;\n"
        f"  fastcgi_temp_path {prefix}/fastcgi;\n  uwsgi_temp_path {prefix}/uwsgi;\n"
        f"  scgi_temp_path {prefix}/scgi;\n  include {prefix}/site.conf;\n}}\n",
        encoding="utf-8")
    log = prefix / "error.log"
    check = subprocess.run([binary, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                            "-e", str(log)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                                "-e", str(log)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    base = f"https://{'localhost' if sni_only else '127.0.0.1'}:{port}"
    wait_until_up(base + "/healthz", process, log, tls)
    return Served(base, log, process)


class StaticHttps:
    """A clinic's own site on another origin (``https://localhost:PORT``), serving a folder."""

    def __init__(self, folder: Path, tls: Tls) -> None:
        handler = partial(_QuietHandler, directory=str(folder))
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(tls.cert), str(tls.key))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.origin = f"https://localhost:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Test output stays readable."""


def start_redis(folder: Path) -> Served:
    """Debian's redis-server on a free loopback port, keeping nothing on disk."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    log = folder / f"redis-{port}.log"
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(folder), "--logfile", str(log)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"redis-server did not start:\n{log.read_text()}")
        time.sleep(0.1)
    return Served(f"redis://127.0.0.1:{port}", log, process)

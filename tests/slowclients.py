"""Careless or hostile clients that send their request a byte at a time, for a while.

Each connection comes from its own loopback address (127.0.1.x, 127.0.2.x), as a crowd of
clients would, sends part of a request and then one byte every few seconds. A server that
closes it (nginx's ``client_header_timeout``) gets it back at once, so the pressure holds
for the whole run. Bounded: a fixed number of sockets, a fixed time, loopback only.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

TRICKLE_SECONDS = 3.0


@dataclass
class SlowClient:
    kind: str  # "header" or "body"
    source: str
    sock: ssl.SSLSocket | socket.socket | None = None
    last_sent: float = 0.0


@dataclass
class Crowd:
    """``headers`` slow-header and ``bodies`` slow-body connections to ``base``."""

    base: str
    headers: int = 50
    bodies: int = 50
    context: ssl.SSLContext | None = None
    reconnects: int = 0
    open_now: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _connect(self, client: SlowClient) -> None:
        url = urlsplit(self.base)
        raw = socket.create_connection((url.hostname, url.port), timeout=5,
                                       source_address=(client.source, 0))
        sock = (self.context.wrap_socket(raw, server_hostname=url.hostname)
                if url.scheme == "https" else raw)
        if client.kind == "header":
            sock.sendall(b"GET / HTTP/1.1\r\nHost: " + url.netloc.encode() + b"\r\nX-a: ")
        else:
            sock.sendall(b"POST /step/urgent HTTP/1.1\r\nHost: " + url.netloc.encode()
                         + b"\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                         + b"Content-Length: 60000\r\n\r\nred_flags=")
        client.sock, client.last_sent = sock, time.monotonic()

    def _close(self, client: SlowClient) -> None:
        if client.sock is not None:
            try:
                client.sock.close()
            except OSError:
                pass
            client.sock = None

    def _run(self, clients: list[SlowClient]) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            for client in clients:
                if client.sock is None or now - client.last_sent >= TRICKLE_SECONDS:
                    try:
                        if client.sock is None:
                            self.reconnects += 1
                            self._connect(client)
                        else:
                            client.sock.sendall(b"a")
                            client.last_sent = now
                    except OSError:
                        self._close(client)
            self.open_now = sum(client.sock is not None for client in clients)
            self._stop.wait(0.2)
        for client in clients:
            self._close(client)

    def __enter__(self) -> Crowd:
        clients = [SlowClient("header", f"127.0.1.{i + 1}") for i in range(self.headers)]
        clients += [SlowClient("body", f"127.0.2.{i + 1}") for i in range(self.bodies)]
        for client in clients:
            try:
                self._connect(client)
            except OSError:  # a server already held by the others; retried in the loop
                self._close(client)
        self.open_now = sum(client.sock is not None for client in clients)
        self._thread = threading.Thread(target=self._run, args=(clients,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)

"""A throwaway PostgreSQL server on loopback, for the tests and the benchmarks.

Uses Debian's server binaries (``/usr/lib/postgresql/<version>/bin``): ``initdb`` into a
temporary folder, ``pg_ctl`` on a free loopback port, trust authentication for local
connections only. PostgreSQL refuses to run as root, so as root the server runs as the
``postgres`` user the Debian package creates (via ``runuser``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


def server_bin() -> Path | None:
    """The newest installed PostgreSQL server's bin folder, or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalPostgres:
    """Start with ``start()``, stop (and delete everything) with ``stop()``."""

    def __init__(self, bindir: Path | None = None) -> None:
        found = bindir or server_bin()
        if found is None:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql "
                               "(apt-get install postgresql)")
        self.bindir = found
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="screener-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.user = "postgres"
        self._as: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        else:
            self.user = pwd.getpwuid(os.geteuid()).pw_name

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, cwd=self.root)

    def start(self) -> LocalPostgres:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", self.user,
                  "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=200 -c shared_buffers=64MB")
        self.resume(options)
        return self

    def resume(self, options: str | None = None) -> None:
        """Start (again) after ``pause``: the same data, port and settings."""
        self._options = options or self._options
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                  "-o", self._options, "-w", "-t", "30", "start")

    def pause(self) -> None:
        """Stop the server but keep its data (a database outage)."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                  "-w", "stop")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.pause()
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        """Run ``sql`` outside a transaction (CREATE DATABASE, ALTER SYSTEM...)."""
        deadline = time.monotonic() + 10
        while True:
            try:
                with psycopg.connect(host="127.0.0.1", port=self.port, user=self.user,
                                     dbname=database, autocommit=True) as connection:
                    connection.execute(sql)  # type: ignore[arg-type]
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def create_database(self, name: str, template: str | None = None) -> str:
        self.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template
                                                     else ""))
        return self.url(name)

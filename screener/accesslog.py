"""gunicorn's access log as one JSON object a line, with no full client address by default.

A line holds time, client (see below), method, path, status and duration: no query string,
no size (the size of a redirect tells where it went, and so an emergency answer), nothing
from the body or the cookie. ``json.dumps`` escapes every control character, so a ``%0A``
in a path cannot split one entry into two, and paths are cut at 200 characters.

``SCREENER_ACCESS_LOG_IP`` says what the client column holds:
``truncate`` (default: the network only, IPv4 /24 and IPv6 /48), ``hash`` (a keyed hash,
the same for one client all day, unlinkable without the secret), ``full`` or ``none``.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import json
from typing import Any, get_args

from gunicorn.glogging import Logger

from .settings import AccessLogIp, environment_setting

IP_MODES = get_args(AccessLogIp)
MAX_PATH = 200


def client_column(address: str, mode: str, key: bytes) -> str | None:
    """What the log keeps of a client's address under ``mode``."""
    if mode == "none":
        return None
    if mode == "full":
        return address
    if mode == "hash":
        day = datetime.date.today().isoformat().encode()
        return hmac.new(key, day + b"|" + address.encode(), hashlib.sha256).hexdigest()[:16]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "-"
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


class AccessLog(Logger):
    """gunicorn's logger with the access line built as JSON by the standard library."""

    def __init__(self, cfg: Any) -> None:
        super().__init__(cfg)
        self.ip_mode = environment_setting("ACCESS_LOG_IP")
        self.key = (environment_setting("SECRET_KEY") or "").encode()

    def access(self, resp: Any, req: Any, environ: dict[str, Any],
               request_time: datetime.timedelta) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        path = environ.get("PATH_INFO", "")
        entry = {
            "time": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "remote": client_column(environ.get("REMOTE_ADDR", "-"), self.ip_mode, self.key),
            "method": environ.get("REQUEST_METHOD"),
            "path": path[:MAX_PATH] + ("..." if len(path) > MAX_PATH else ""),
            "status": int(status),
            "ms": round(request_time.total_seconds() * 1000, 1),
        }
        self.access_log.info(json.dumps(entry))

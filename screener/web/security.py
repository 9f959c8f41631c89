"""Security headers on every response, rate limits on the API, and the health check.

The screener may be embedded in a clinic's own page, so ``frame-ancestors`` comes from
the ``FRAME_ANCESTORS`` setting; everything else is locked to the app's own origin.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

ops = Blueprint("ops", __name__)

PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
                      "magnetometer=(), microphone=(), payment=(), usb=(), "
                      "browsing-topics=()")


def content_security_policy(frame_ancestors: str) -> str:
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            "connect-src 'self'; form-action 'self'; base-uri 'none'; "
            f"frame-ancestors {frame_ancestors}")


@ops.get("/healthz")
def healthz() -> Response:
    """For load balancers: the rule set is loaded (the app cannot start without it)."""
    rules = current_app.extensions["screener.rules"]
    return jsonify({"status": "ok", "rules": len(rules.rules), "topics": len(rules.topics)})


def init_security(app: Flask, *api_blueprints: Blueprint) -> None:
    """Headers for every response; rate limits (one limiter per app) for the API only."""
    limiter = Limiter(get_remote_address, app=app)
    app.extensions["screener.limiter"] = limiter
    for blueprint in api_blueprints:
        limiter.limit(lambda: current_app.config["API_RATE_LIMIT"])(blueprint)
    app.register_blueprint(ops)
    policy = content_security_policy(app.config["FRAME_ANCESTORS"])

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response

"""Pages people expect of a clinic's site: privacy notice, accessibility statement, about.

Also what makes the screener the clinic's own without forking it: the logo and a favicon
in the brand colour, the stylesheet's custom properties, and the override folder for
templates and static files (``OVERRIDES_DIR/templates``, ``OVERRIDES_DIR/static``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, redirect, render_template, url_for
from jinja2 import ChoiceLoader, FileSystemLoader

from ..clinic import LOGO_TYPES, brand_css, favicon_svg
from ..engine.loader import RuleSet
from ..resources import data_dir
from .assets import register_assets

bp = Blueprint("info", __name__)


def register_clinic_assets(app: Flask) -> None:
    """Static files (the override folder first), the logo, the favicon and brand colours."""
    overrides = Path(app.config["OVERRIDES_DIR"]) if app.config["OVERRIDES_DIR"] else None
    folders = [data_dir("static")]
    if overrides is not None:
        if (overrides / "static").is_dir():
            folders.insert(0, overrides / "static")
        if (overrides / "templates").is_dir():
            app.jinja_loader = ChoiceLoader(  # type: ignore[assignment]
                [FileSystemLoader(str(overrides / "templates")), app.jinja_loader])
    colour = app.config["BRAND_COLOUR"]
    generated = {"brand/favicon.svg": favicon_svg(colour)}
    logo = Path(app.config["LOGO"]) if app.config["LOGO"] else None
    if logo is not None:
        generated[logo_name(logo)] = logo.read_bytes()
    register_assets(app, *folders, generated=generated,
                    appendix={"screener.css": brand_css(colour)})


def logo_name(logo: Path) -> str:
    suffix = logo.suffix.lower()
    return f"brand/logo{'.jpg' if suffix == '.jpeg' else suffix}"


def clinic_template_values(app: Flask) -> dict[str, Any]:
    """The clinic's details that every page may show, computed once."""
    config = app.config
    logo = Path(config["LOGO"]) if config["LOGO"] else None
    return {"name": config["CLINIC_NAME"], "phone": config["CLINIC_PHONE"],
            "booking_url": config["BOOKING_URL"], "emergency_number": config["EMERGENCY_NUMBER"],
            "logo": logo_name(logo) if logo and logo.suffix.lower() in LOGO_TYPES else "",
            "email": config["CLINIC_EMAIL"], "handoff": config["HANDOFF"],
            "retention_days": config["RETENTION_DAYS"]}


def about_facts(app: Flask) -> dict[str, Any]:
    rules: RuleSet = app.extensions["screener.rules"]
    sources = sorted({s for topic in rules.topics.values() for s in topic.sources})
    drafts = sorted({locale for topic in rules.topics.values()
                     for locale, state in topic.review.items() if state == "draft"})
    return {"version": rules.version, "rules": len(rules.rules),
            "topics": len(rules.topics), "sources": sources, "draft_languages": drafts,
            "reviewed": app.config["CONTENT_REVIEWED"]}


@bp.record_once
def _remember_facts(state: Any) -> None:
    state.app.extensions["screener.about"] = about_facts(state.app)


@bp.get("/privacy")
def privacy() -> str:
    """The notice follows the settings, the access log's client column included."""
    return render_template("privacy.html", access_log_ip=current_app.config["ACCESS_LOG_IP"])


@bp.get("/accessibility")
def accessibility() -> str:
    return render_template("accessibility.html")


@bp.get("/about")
def about() -> str:
    return render_template("about.html", facts=current_app.extensions["screener.about"])


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers that ask for /favicon.ico get the brand icon instead of a 404."""
    return redirect(url_for("static", filename="brand/favicon.svg"), 301)  # type: ignore[return-value]

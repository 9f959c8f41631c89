"""Blueprints, one per audience, plus error pages and the clinic's details for templates."""

from __future__ import annotations

from typing import Any

from flask import Flask

from ..rulemodels import CATEGORIES
from .api import bp as api
from .errors import register_error_pages
from .fhir import bp as fhir
from .intake import bp as intake
from .patient import bp as patient
from .security import init_security

CATEGORY_HEADINGS = {
    "urgent": "Act on this first",
    "discuss": "To talk about with a spine specialist",
    "prepare": "To get ready for your visit",
    "risk": "Health factors to talk about",
    "learn": "To learn more",
}
assert set(CATEGORY_HEADINGS) == set(CATEGORIES)


def register(app: Flask) -> None:
    init_security(app, api, fhir)
    for blueprint in (patient, intake, api, fhir):
        app.register_blueprint(blueprint)
    register_error_pages(app)

    @app.context_processor
    def clinic() -> dict[str, Any]:
        config = app.config
        return {
            "clinic": {"name": config["CLINIC_NAME"], "phone": config["CLINIC_PHONE"],
                       "booking_url": config["BOOKING_URL"],
                       "emergency_number": config["EMERGENCY_NUMBER"]},
            "category_headings": [(c, CATEGORY_HEADINGS[c]) for c in CATEGORIES],
        }

"""The screener: an educational self-screening questionnaire for MISS."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_babel import Babel
from flask_wtf import CSRFProtect

from .config import configure
from .engine.evaluate import Result, evaluate
from .engine.loader import RuleSet, load_ruleset
from .exports.jsonprovider import OrjsonProvider
from .i18n import TRANSLATIONS_DIR, select_locale
from .resources import data_dir

csrf = CSRFProtect()
babel = Babel()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app; a broken rule set raises RuleSetError with the full report."""
    app = Flask(__name__, template_folder=str(data_dir("templates")), static_folder=None)
    app.json = OrjsonProvider(app)
    configure(app, test_config)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks as extracted
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.extensions["screener.rules"] = load_ruleset(app.config["RULES_DIR"])
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(TRANSLATIONS_DIR))
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    from .web import register

    register(app)
    return app


def current_rules(app: Flask) -> RuleSet:
    return app.extensions["screener.rules"]


def evaluate_here(answers: dict[str, Any], locale: str) -> Result:
    """Evaluate with the running app's rule set and emergency number."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # one lookup
    return evaluate(current_rules(app), answers,
                    emergency_number=app.config["EMERGENCY_NUMBER"], locale=locale)

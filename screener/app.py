"""The app factory: builds the Flask app from the settings, the rule set and the web side.

Kept out of the package root so that importing the core (catalogue, engine, exports)
loads no Flask: the CLI, the rule checks and the tests of the core stay light.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from .config import configure
from .engine.loader import load_ruleset
from .i18n import TRANSLATIONS_DIR
from .resources import data_dir
from .service.screening import Screening
from .web.extensions import babel, csrf
from .web.jsonprovider import OrjsonProvider
from .web.locale import select_locale


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app; a broken rule set raises RuleSetError with the full report."""
    app = Flask("screener", template_folder=str(data_dir("templates")), static_folder=None)
    app.json = OrjsonProvider(app)
    configure(app, test_config)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks as extracted
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    rules = app.extensions["screener.rules"] = load_ruleset(app.config["RULES_DIR"])
    app.extensions["screener.screening"] = Screening.from_settings(rules, app.config)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(TRANSLATIONS_DIR))
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    from .web import register

    register(app)
    return app

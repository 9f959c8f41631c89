"""Blueprints, one per audience."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    pass

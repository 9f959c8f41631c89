"""The screener: an educational self-screening questionnaire for MISS.

The app factory is screener.app.create_app; this package root imports nothing, so
importing any part of the core does not load the web side.
"""

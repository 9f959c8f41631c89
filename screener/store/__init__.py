"""Storage for the clinic handoff: typed models, encryption at rest, migrations, queries.

Nothing here is touched unless the clinic switches the handoff on: the anonymous screener
stores nothing.
"""

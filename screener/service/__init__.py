"""The service layer: the one way the web side (pages, API, FHIR, handoff, intake, staff)
reaches the core (catalogue, engine, exports), so that glue lives here once instead of
in every view. Plain Python: no Flask, so it can be used and tested without an app."""

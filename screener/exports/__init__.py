"""Results and answers in the shapes other people and systems read: text and JSON summaries,
the nurse's record, FHIR R4 both ways, and the API description.

Every format registers itself in ``registry.FORMATS`` when its module is imported; the
imports below make the list whole for whoever reads it (the PDF registers from the web
layer, which renders its page).
"""

from . import fhir, nurse, patient, render

__all__ = ["fhir", "nurse", "patient", "render"]

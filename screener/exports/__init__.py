"""Results and answers in the shapes other people and systems read: text and JSON summaries,
the nurse's record, FHIR R4 both ways, and the API description."""

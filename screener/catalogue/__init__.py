"""The question catalogue and what follows from it alone: ids, values, steps, which questions
apply, plausible answer sets and the reading time."""

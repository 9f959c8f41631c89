"""The patient's own text download, in the patient's words and language.

Written to "you", like the result page and the PDF: the answers as they were chosen, each
topic's title and text, the questions to bring, the safety net (not on the emergency
result) and the disclaimer last. No rule ids, category tags or rule set version: those are
for the staff and machines (``render.py``'s text and the JSON keep them), and the About page
shows the version.
"""

from __future__ import annotations

from datetime import date

from ..engine.safety_net import safety_net_title
from ..i18n import N_, t
from .registry import Format, Source, register
from .render import QUESTIONS_TOPIC, answered_rows


def heading(text: str, locale: str) -> str:
    """A section heading as the text file shows it: translated, in capitals."""
    return t(text, locale).rstrip(":").upper()


def patient_text(source: Source) -> str:
    result, loc = source.result, source.result.locale
    stamp = (source.today or date.today()).isoformat()
    lines = [t("Spine surgery self-screening summary ({date})", loc).format(date=stamp),
             "", heading("Your answers", loc)]
    lines += [f"- {prompt} {answer}"
              for _, _, prompt, answer in answered_rows(source.answers, loc)]
    lines += ["", heading("Information for you", loc)]
    for topic in result.topics:
        lines += [f"- {topic.title.in_locale(loc)}", f"  {topic.body.in_locale(loc)}"]
    if not result.topics:
        lines.append(t("We have no specific information for your answers. Bring your "
                       "questions to a visit.", loc))
    for topic in result.topics:
        if topic.id == QUESTIONS_TOPIC and topic.ask:
            lines += ["", heading("Questions you could ask:", loc)]
            lines += [f"- {ask.in_locale(loc)}" for ask in topic.ask]
    if result.safety_net:
        lines += ["", f"{safety_net_title(loc).upper()}: {result.safety_net}"]
    lines += ["", f"{heading('Important', loc)}: {result.disclaimer}"]
    return "\n".join(lines) + "\n"


TEXT = register(Format("patient-text", "text/plain", "txt", frozenset({"patient"}),
                       patient_text, label=N_("Download as text"), rank=20))

"""The safety net, added by code to every result but the emergency one, in every format.

Everyone told to wait, to try care without surgery or to see someone later is told which
new signs mean calling the emergency number at once (GIRFT suspected cauda equina
pathway; NICE CKS sciatica). Like the disclaimer it is not a topic and not a rule, so no
rule file can remove or reword it.
"""

from __future__ import annotations

from functools import lru_cache

from ..i18n import t
from .disclaimer import DEFAULT_EMERGENCY_NUMBER

SAFETY_NET_TITLE = "Get help at once if it gets worse"

SAFETY_NET_TEXT = (
    "Call {number} now if any of these start. New trouble peeing or pooing, or leaking "
    "without feeling it. New numbness around your genitals or bottom, or new loss of sexual "
    "feeling. New pain, numbness or weakness in both legs. Weakness in your legs or arms that "
    "gets worse. New clumsy hands or unsteady walking. Do not wait for a visit."
)


# Every result asks for it: the text of each (number, language) is worked out once.
@lru_cache(maxsize=64)
def safety_net(emergency_number: str = DEFAULT_EMERGENCY_NUMBER, locale: str = "en") -> str:
    """The safety net in ``locale`` (English when that language has no translation)."""
    return t(SAFETY_NET_TEXT, locale).format(number=emergency_number)


def safety_net_title(locale: str = "en") -> str:
    return t(SAFETY_NET_TITLE, locale)

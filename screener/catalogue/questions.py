"""The question catalogue: the one source of truth for ids, kinds, choices and steps.

Forms, rule validation, answer validation, exports and tests all read this module. Ids and
values follow the contract in docs/spec/questionnaire.md and must stay stable; wording may improve.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

from ..i18n import InContext
from .conditions import AllOf, Answer, AnyOf, Not

Kind = Literal["single", "multiple", "integer"]


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    level: Literal["emergency", "urgent"] | None = None
    say: str = ""
    # The nurse's words: this answer in the third person ("Mostly in the back"), when the
    # patient's wording does not already read so; and a red flag's short name in the record.
    nurse: str = ""
    record_name: str = ""
    # Offered only when this holds over the earlier answers (pregnancy, not past 60); an
    # answer with it otherwise is refused (``answers.validate_answers``).
    offered_when: Answer | AllOf | AnyOf | Not | None = None

    @property
    def spoken(self) -> str:
        """What an intake nurse reads aloud for this choice."""
        return self.say or self.label


@dataclass(frozen=True)
class Question:
    """One question and every word said about it: the patient's prompt and help, what a
    missing answer is told, the nurse's short name for it in the record and what the nurse
    reads aloud. Its step is the one whose ``questions`` list it (``STEPS``).

    A required question also gives an ``example``: a typical answer that the scenario files
    and the tests fill in wherever they leave the question out (``sampling.with_examples``),
    so a new required question breaks no answer set written before it. For a new question,
    choose one that changes no existing result (usually the answer no rule reads)."""

    id: str
    kind: Kind
    prompt: str
    help: str
    choices: tuple[Choice, ...] = ()
    exclusive: frozenset[str] = frozenset()
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None
    shown_when: Answer | AllOf | AnyOf | Not | None = None
    low_label: str = ""
    high_label: str = ""
    say: str = ""
    missing: str = ""
    nurse_field: str = ""
    example: str | int | tuple[str, ...] | None = None

    @property
    def step(self) -> str:
        """The id of the step that lists this question."""
        return STEP_OF[self.id]

    @property
    def spoken(self) -> str:
        """What an intake nurse reads aloud on the phone."""
        return self.say or self.prompt

    @cached_property
    def values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)

    @cached_property
    def value_set(self) -> frozenset[str]:
        return frozenset(self.values)

    def label_of(self, value: object) -> str:
        """The plain words for one stored value."""
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        return str(value)


@dataclass(frozen=True)
class Step:
    """A part of the screening: its questions share a heading on the nurse's page, the
    review, FHIR and the record (a patient meets them a ``Page`` at a time)."""

    id: str
    title: str
    questions: tuple[str, ...]
    shown_when: Answer | AllOf | AnyOf | Not | None = field(default=None)


def _choices(*pairs: tuple[str, str] | tuple[str, str, str]) -> tuple[Choice, ...]:
    """Choices from (value, label) or (value, label, the nurse's third-person label)."""
    return tuple(Choice(value, label, nurse=rest[0] if rest else "")
                 for value, label, *rest in pairs)


def _record(choices: tuple[Choice, ...], **names: str) -> tuple[Choice, ...]:
    """Choices with their short clinical names for the nurse's record ("herniated disc")."""
    unknown = set(names) - {c.value for c in choices}
    if unknown:
        raise ValueError(f"record names for unknown choices: {sorted(unknown)}")
    return tuple(replace(c, record_name=names.get(c.value, c.record_name)) for c in choices)


def _unless(question: str, value: str, kind: Kind) -> Not:
    """Shown unless ``question`` was answered with ``value``."""
    test = "includes_any" if kind == "multiple" else "one_of"
    return Not.model_validate({"not": {"question": question, test: [value]}})


EMERGENCY_FLAGS = (
    Choice("bladder_bowel", "New trouble peeing (can't go, or it's harder), or leaking pee or "
           "poo without feeling it", "emergency",
           say="Is peeing newly hard, or can you not go? Or leaking pee or poo without "
           "feeling it?",
           record_name="bladder/bowel change"),
    Choice("saddle_numbness", "New numb or tingly genitals, bottom or inner thighs, or new "
           "loss of sexual feeling", "emergency",
           record_name="saddle numbness"),
    Choice("leg_weakness_worsening", "Leg or foot weakness that is bad or getting worse",
           "emergency",
           record_name="worsening leg weakness"),
    Choice("both_legs_new", "New pain, numbness or weakness in both legs", "emergency",
           record_name="bilateral leg symptoms"),
    Choice("arm_weakness_worsening", "Arm or hand weakness that is bad or getting worse",
           "emergency", say="Weakness in an arm or hand that is bad, or getting worse?",
           record_name="worsening arm weakness"),
    Choice("chest_pain", "Chest pain", "emergency",
           record_name="chest pain"),
    Choice("neck_artery_signs", "Sudden, very bad neck pain or headache with dizziness, "
           "double vision, slurred speech, trouble swallowing or fainting", "emergency",
           say="Sudden, very bad neck pain or headache, with dizziness, double vision, "
           "slurred speech, trouble swallowing or fainting?",
           record_name="neck artery signs"),
    Choice("neck_injury_nerve", "Recent neck injury, then new numb, tingly or weak arms or "
           "legs", "emergency",
           say="Did you hurt your neck recently, and then get new numbness, tingling or "
           "weakness in your arms or legs?",
           record_name="neck injury with deficit"),
    Choice("sudden_severe_pain", "Sudden, very bad back or belly pain with feeling faint or "
           "sweaty, or with a known aortic aneurysm", "emergency",
           say="Sudden, very bad back or belly pain with feeling faint or sweaty? Or a "
           "known aortic aneurysm?",
           record_name="sudden severe back/belly pain"),
)
URGENT_FLAGS = (
    Choice("spinal_cord_signs", "New clumsy hands (buttons, keys, writing), new unsteady "
           "walking or balance, or an electric shock down your back or limbs when you bend "
           "your neck", "urgent",
           say="Are your hands newly clumsy with buttons, keys or writing? Is your walking "
           "newly unsteady? An electric shock down your back when you bend your neck?",
           record_name="spinal cord signs"),
    Choice("long_term_steroids", "Steroid tablets (like prednisone) for 3 months or more",
           "urgent",
           say="Steroid tablets, such as prednisone, for 3 months or more?",
           record_name="long-term steroids"),
    Choice("fever", "Fever (38 °C / 100.4 °F or more) or feeling very unwell", "urgent",
           say="A fever of 38 °C or 100.4 °F or more, or feeling very unwell?",
           record_name="fever/unwell"),
    Choice("cancer_history", "Cancer now or in the past", "urgent",
           record_name="cancer history"),
    Choice("weight_loss", "Losing weight without trying", "urgent",
           record_name="unexplained weight loss"),
    Choice("infection_risk", "Injecting drugs, a weak immune system, or a recent serious "
           "infection", "urgent",
           record_name="infection risk"),
    Choice("night_pain", "Pain that is worse at night and does not ease with rest", "urgent",
           record_name="night pain"),
    Choice("trauma", "Pain since a fall, accident or injury not checked by a doctor", "urgent",
           record_name="unchecked injury"),
)

@dataclass(frozen=True)
class SpokenGroup:
    """Red flags read aloud together, in one plain sentence, on the phone."""

    say: str
    values: tuple[str, ...]


# What the intake nurse reads for the red flags, after the question's "stop me if any of
# these": every flag in exactly one group (checked below), so none goes unasked, in a
# handful of sentences instead of seventeen.
RED_FLAG_GROUPS: tuple[SpokenGroup, ...] = (
    SpokenGroup("New trouble peeing or pooing, leaking without feeling it, or new numbness "
                "around your genitals or bottom or loss of sexual feeling?",
                ("bladder_bowel", "saddle_numbness")),
    SpokenGroup("New pain, numbness or weakness in both legs, or weakness in a leg, arm or "
                "hand that is bad or getting worse?",
                ("both_legs_new", "leg_weakness_worsening", "arm_weakness_worsening")),
    SpokenGroup("Chest pain, sudden very bad back or belly pain with feeling faint or sweaty "
                "or with a known aortic aneurysm, or a sudden very bad neck pain or headache "
                "with dizziness, double vision, slurred speech, trouble swallowing or "
                "fainting?",
                ("chest_pain", "sudden_severe_pain", "neck_artery_signs")),
    SpokenGroup("New numbness, tingling or weakness after a recent neck injury, new clumsy "
                "hands or unsteady walking, or an electric shock down your back when you "
                "bend your neck?",
                ("neck_injury_nerve", "spinal_cord_signs")),
    SpokenGroup("A fever or feeling very unwell, injecting drugs, a weak immune system or a "
                "recent serious infection, or steroid tablets for 3 months or more?",
                ("fever", "infection_risk", "long_term_steroids")),
    SpokenGroup("Cancer now or in the past, losing weight without trying, pain worse at night "
                "that rest does not ease, or pain since a fall or injury no doctor has "
                "checked?",
                ("cancer_history", "weight_loss", "night_pain", "trauma")),
)
_grouped = [value for group in RED_FLAG_GROUPS for value in group.values]
if sorted(_grouped) != sorted(c.value for c in EMERGENCY_FLAGS + URGENT_FLAGS):
    raise ValueError("every red flag must be read in exactly one spoken group")

# The record's short forms of the durations ("3-6 months").
_DURATION_NAMES = {"lt_6_weeks": "under 6 weeks", "6_to_12_weeks": "6-12 weeks",
                   "3_to_6_months": "3-6 months"}

# Pregnancy is not offered from 60 on: a choice that cannot apply is not shown.
_NOT_OLDER = Not.model_validate({"not": {"question": "age_band", "one_of": ["60_74", "75_plus"]}})

_DURATIONS = (
    ("lt_6_weeks", "Less than 6 weeks"),
    ("6_to_12_weeks", "6 to 12 weeks"),
    ("3_to_6_months", "3 to 6 months"),
)

_QUESTIONS: tuple[Question, ...] = (
    Question(
        "red_flags", "multiple",
        "Do you have any of these right now?",
        "Some symptoms need a doctor now, not a screening. Pressure on the nerves or the "
        "spinal cord, or a problem with a blood vessel, can do lasting harm if care comes "
        "late. We ask first so you get the right help fast.",
        say="First, some safety questions: stop me if any of these is happening to you now.",
        choices=EMERGENCY_FLAGS + URGENT_FLAGS + (
            Choice("none", InContext("None of these", "red_flags")),),
        exclusive=frozenset({"none"}),
        missing="Choose any of these symptoms you have, or “None of these”.",
        nurse_field="Red flags",
        example=("none",),
    ),
    Question(
        "diagnosis", "multiple",
        "Has a doctor told you what is causing your pain?",
        "Small-incision surgery is used for some problems, not others. This helps us choose "
        "what to show you.",
        say="Has a doctor told you what is causing your pain?",
        choices=_record(_choices(
            ("herniated_disc", "Herniated, slipped or bulging disc"),
            ("spinal_stenosis", "Spinal stenosis (narrowing around the nerves)"),
            ("degenerative_disc_disease", "Worn discs (degenerative disc disease)"),
            ("spondylolisthesis", "A spine bone shifted forward (spondylolisthesis)"),
            ("compression_fracture", "A collapsed spine bone (compression fracture)"),
            ("spinal_tumor", "A growth in or near the spine (tumor)"),
            ("other", "Something else"),
            ("not_sure", "Not sure, or no one has told me",
             "Not sure, or no one has said"),
        ), herniated_disc="herniated disc", spinal_stenosis="spinal stenosis",
            degenerative_disc_disease="degenerative disc disease",
            spondylolisthesis="spondylolisthesis", compression_fracture="compression fracture",
            spinal_tumor="spinal tumour", other="other", not_sure="not known"),
        exclusive=frozenset({"not_sure"}),
        missing="Choose what a doctor has told you, or “Not sure”.", nurse_field="Diagnosis",
        example=("herniated_disc",),
    ),
    Question(
        "imaging", "multiple",
        "Which scans have you had of your back or neck?",
        "A specialist may need scans to see the cause of the pain. If you have them, bring "
        "them to your visit.",
        say="Have you had an MRI, a CT scan or an X-ray of your back or neck?",
        choices=_record(_choices(("mri", "MRI"), ("ct", "CT scan"), ("xray", "X-ray"),
                                 ("none", "No scans")),
                        mri=InContext("MRI", "record"), ct=InContext("CT", "record"),
                        xray=InContext("X-ray", "record"), none="none"),
        exclusive=frozenset({"none"}),
        missing="Choose the scans you have had, or “No scans”.", nurse_field="Scans",
        example=("mri",),
    ),
    Question(
        "imaging_within_12_months", "single",
        "Was your latest scan in the past 12 months?",
        "Your spine can change over time. An older scan may need to be done again.",
        say="Was your most recent scan in the past 12 months?",
        choices=_record(_choices(("yes", "Yes"), ("no", "No, it was longer ago"),
                                 ("not_sure", "I am not sure", "Not sure")),
                        yes="within 12 months", no="over 12 months ago",
                        not_sure="date not known"),
        required=False,
        shown_when=_unless("imaging", "none", "multiple"),
        nurse_field="Latest scan within 12 months",
    ),
    Question(
        "main_symptom", "single",
        "Where do you feel it most?",
        "Pain that runs down a leg or arm often comes from a pinched nerve. That is "
        "treated differently from pain in the back alone.",
        choices=_record(_choices(
            ("back_pain", "Mostly in my back",
             "Mostly in the back"),
            ("leg_pain", "Mostly down my leg (pain, numbness or tingling)",
             "Mostly down the leg (pain, numbness or tingling)"),
            ("back_and_leg", "In my back and down my leg",
             "In the back and down the leg"),
            ("neck_or_arm", "In my neck or down my arm",
             "In the neck or down the arm"),
        ), back_pain="mainly back", leg_pain="mainly leg", back_and_leg="back and leg",
            neck_or_arm="neck or arm"),
        missing="Choose where you feel the pain most.", nurse_field="Main symptom",
        example="leg_pain",
    ),
    Question(
        "symptom_duration", "single",
        "How long have you had these symptoms?",
        "Many back and neck problems get better on their own in the first 6 weeks.",
        choices=_record(_choices(*_DURATIONS, ("6_to_12_months", "6 to 12 months"),
                                 ("gt_1_year", "More than a year")),
                        **_DURATION_NAMES, **{"6_to_12_months": "6-12 months"},
                        gt_1_year="over 1 year"),
        missing="Choose how long you have had this pain.", nurse_field="Duration",
        example="3_to_6_months",
    ),
    Question(
        "pain_score", "integer",
        "On average over the past week, how bad was your pain?",
        "Your own score helps the specialist see how much the pain affects you.",
        say=("From 0, no pain, to 10, the worst pain you can imagine, how bad was your "
             "pain on average this past week?"),
        minimum=0, maximum=10, low_label="0 = no pain", high_label="10 = worst pain you can "
        "imagine",
        missing="Choose a number from 0 to 10 for how bad your pain was.",
        nurse_field="Average pain, past week",
        example=6,
    ),
    Question(
        "daily_impact", "single",
        "How much does it get in the way of your day?",
        "How much the pain limits your life matters as much as the scan.",
        choices=_record(_choices(
            ("mild", "A little: most things are fine"),
            ("moderate", "Some: it limits some activities or work"),
            ("severe", "A lot: it is hard to walk, stand, sleep or work"),
        ), mild="mild", moderate="moderate", severe="severe"),
        missing="Choose how much the pain gets in the way of your day.",
        nurse_field="Daily impact",
        example="moderate",
    ),
    Question(
        "treatments_tried", "multiple",
        "Which of these have you tried for this pain?",
        "Most people try care without surgery first, and it often helps.",
        say=("What have you tried for this pain, such as physical therapy, exercises, "
             "medicine or injections?"),
        choices=_record(_choices(
            ("physical_therapy", "Physical therapy"),
            ("home_exercise", "Exercises at home"),
            ("medication", "Pain or anti-inflammatory medicine"),
            ("injection", "An injection (for example, a steroid shot in the spine)"),
            ("chiropractic", "Chiropractic care"),
            ("acupuncture", "Acupuncture"),
            ("none", "None of these yet"),
        ), physical_therapy="physiotherapy", home_exercise="home exercise",
            medication="pain medicine", injection="spinal injection", none="none"),
        exclusive=frozenset({"none"}),
        missing="Choose the care you have tried, or “None of these yet”.",
        nurse_field="Care tried",
        example=("physical_therapy", "medication"),
    ),
    Question(
        "treatment_duration", "single",
        "How long did you keep up this care in total?",
        "About 6 weeks of care without surgery is when doctors often look again.",
        say="How long did you keep up that care in total?",
        choices=_record(_choices(*_DURATIONS, ("gt_6_months", "More than 6 months")),
                        **_DURATION_NAMES, gt_6_months="over 6 months"),
        shown_when=_unless("treatments_tried", "none", "multiple"),
        missing="Choose how long you kept up the care.", nurse_field="Care kept up for",
        example="6_to_12_weeks",
    ),
    Question(
        "treatment_result", "single",
        "How did this care work for you?",
        "How you did with this care helps the specialist plan what comes next.",
        say="Did that care help, and did the help last?",
        choices=_record(_choices(
            ("lasting_relief", "It helped, and the help lasted"),
            ("short_relief", "It helped for a short time"),
            ("no_relief", "It did not help"),
            ("worse", "I felt worse",
             "Felt worse"),
        ), lasting_relief="lasting relief", short_relief="short relief",
            no_relief="no relief", worse="worse"),
        shown_when=_unless("treatments_tried", "none", "multiple"),
        missing="Choose how the care worked for you.", nurse_field="Result of care",
        example="no_relief",
    ),
    Question(
        "prior_surgery", "single",
        "Have you had surgery on your spine before?",
        "Past surgery changes what a specialist looks for and which options fit.",
        choices=_record(_choices(("none", "No"), ("one", "Yes, once"),
                                 ("more_than_one", "Yes, more than once")),
                        none="none", one="once", more_than_one="more than once"),
        missing="Choose whether you have had spine surgery before.",
        nurse_field="Past spine surgery",
        example="none",
    ),
    Question(
        "prior_surgery_when", "single",
        "When was your last spine surgery?",
        "Healing takes time, so how recent it was matters.",
        choices=_record(_choices(("lt_6_months", "Less than 6 months ago"),
                                 ("6_to_12_months", "6 to 12 months ago"),
                                 ("1_to_5_years", "1 to 5 years ago"),
                                 ("gt_5_years", "More than 5 years ago")),
                        lt_6_months="under 6 months ago", **{
                            "6_to_12_months": "6-12 months ago",
                            "1_to_5_years": "1-5 years ago"},
                        gt_5_years="over 5 years ago"),
        shown_when=_unless("prior_surgery", "none", "single"),
        missing="Choose when your last spine surgery was.", nurse_field="Last spine surgery",
        example="gt_5_years",
    ),
    Question(
        "prior_surgery_type", "multiple",
        "What kind of spine surgery was it?",
        "Each kind of surgery leaves the spine in a different state.",
        say="Do you know what kind of surgery it was?",
        choices=_record(_choices(
            ("discectomy", "Removing part of a disc (discectomy)"),
            ("decompression", "Making room for the nerves (laminectomy or foraminotomy)"),
            ("fusion", "Joining bones together (fusion)"),
            ("other", "Something else"),
            ("not_sure", "I am not sure",
             "Not sure"),
        ), discectomy="discectomy", decompression="decompression", fusion="fusion"),
        exclusive=frozenset({"not_sure"}),
        shown_when=_unless("prior_surgery", "none", "single"),
        missing="Choose the kind of spine surgery, or “I am not sure”.",
        nurse_field="Kind of surgery",
        example=("discectomy",),
    ),
    Question(
        "prior_surgery_outcome", "single",
        "How did you do after the surgery?",
        "Pain that comes back after surgery often has a cause a specialist can look for.",
        say="How did you do after that surgery?",
        choices=_record(_choices(
            ("still_better", "I am still better",
             "Still better"),
            ("improved_then_returned", "I got better, then the pain came back",
             "Got better, then the pain came back"),
            ("never_improved", "I never got better",
             "Never got better"),
            ("worse", "I got worse",
             "Got worse"),
        ), still_better="still better", improved_then_returned="relief, then recurrence",
            never_improved="never better", worse="worse"),
        shown_when=_unless("prior_surgery", "none", "single"),
        missing="Choose how you did after the surgery.", nurse_field="After surgery",
        example="still_better",
    ),
    Question(
        "age_band", "single",
        "How old are you?",
        "This guide is written for adults. Age also affects healing and which care is safest.",
        choices=_record(_choices(("under_18", "Under 18"), ("18_39", "18 to 39"),
                                 ("40_59", "40 to 59"), ("60_74", "60 to 74"),
                                 ("75_plus", "75 or older")),
                        **{"18_39": "18-39", "40_59": "40-59", "60_74": "60-74"}),
        missing="Choose your age group.", nurse_field="Age",
        example="40_59",
    ),
    Question(
        "health_factors", "multiple",
        "Do any of these apply to you?",
        "These can affect healing and safety. Talk about them with your care team. They are "
        "not reasons to give up.",
        say=("Do you smoke, or have diabetes, thin bones, heart or lung disease, depression "
             "or anxiety, take blood thinners or opioids most days, or might you be "
             "pregnant?"),
        choices=_record(_choices(
            ("smoking", "I smoke, vape or use nicotine",
             "Smokes or uses nicotine (including vaping)"),
            ("diabetes", "Diabetes"),
            ("osteoporosis", "Thin bones (osteoporosis)"),
            ("obesity", "A BMI of 30 or more"),
            ("blood_thinners", "Blood thinners (like warfarin, apixaban, clopidogrel, daily "
             "aspirin)",
             "Takes blood thinners"),
            ("heart_lung", "Heart or lung disease"),
            ("opioids", "Opioid painkillers most days (like oxycodone, hydrocodone, tramadol)",
             "Takes opioid pain medicine most days"),
            ("mood", "Depression or anxiety"),
        ) + (Choice("pregnant", "I am pregnant or may be", nurse="Pregnant or may be",
                    offered_when=_NOT_OLDER),
             Choice("none", InContext("None of these", "health_factors"))),
            smoking="nicotine", diabetes="diabetes", osteoporosis="osteoporosis",
            obesity="BMI ≥30", blood_thinners="blood thinners", heart_lung="heart/lung disease",
            opioids="daily opioids", mood="depression/anxiety", pregnant="pregnant or may be",
            none=InContext("none", "health_factors")),
        exclusive=frozenset({"none"}),
        missing="Choose any that apply to you, or “None of these”.",
        nurse_field="Health factors",
        example=("none",),
    ),
    Question(
        "goals", "multiple",
        "What would you most like treatment to help with?",
        "Your goals help the specialist talk about what matters to you.",
        say="What would you most like treatment to help with?",
        choices=_choices(
            ("less_pain", "Less pain"),
            ("walk_further", "Walking further"),
            ("return_to_work", "Going back to work"),
            ("sleep", "Better sleep"),
            ("sports", "Sports or exercise"),
            ("less_medication", "Taking less medicine"),
        ),
        required=False,
        nurse_field="Goals",
    ),
    Question(
        "surgery_preference", "single",
        "How do you feel about surgery?",
        "Your wishes matter. There is no wrong answer.",
        choices=_record(_choices(("prefer_to_avoid", "I would rather avoid it",
             "Would rather avoid it"),
                         ("open_to_it", "I am open to it",
             "Open to it"),
                         ("unsure", "I am not sure yet",
             "Not sure yet")),
                        prefer_to_avoid="prefers to avoid", open_to_it="open",
                        unsure="unsure"),
        missing="Choose how you feel about surgery.", nurse_field="Feeling about surgery",
        example="open_to_it",
    ),
)

QUESTIONS: dict[str, Question] = {q.id: q for q in _QUESTIONS}

EMERGENCY_VALUES = frozenset(c.value for c in EMERGENCY_FLAGS)
# Urgent values continue the screening but lead the result (and, where it exists, the
# urgent interruption after the first step): every choice marked "urgent" takes part.
URGENT_VALUES = frozenset(c.value for c in URGENT_FLAGS)

# Urgent values that are an emergency together (third clinical review): new spinal-cord
# signs with a fever or an infection risk may be a spinal epidural abscess. Each pair is
# (a value, any one of these values).
EMERGENCY_PAIRS: tuple[tuple[str, frozenset[str]], ...] = (
    ("spinal_cord_signs", frozenset({"fever", "infection_risk"})),
)

# The one definition of an emergency answer, as a condition: the step visibility, the
# intake page's live script, FHIR and the tests all read it (``is_emergency`` is the same
# test in code). The rule file's stop rules must fire on exactly these answers.
EMERGENCY_CONDITION = AnyOf.model_validate({"any": [
    {"question": "red_flags", "includes_any": sorted(EMERGENCY_VALUES)},
    *({"all": [{"question": "red_flags", "includes_any": [value]},
               {"question": "red_flags", "includes_any": sorted(partners)}]}
      for value, partners in EMERGENCY_PAIRS),
]})


def is_emergency(red_flags: object) -> bool:
    """True when the red flags chosen end the screening on the emergency result."""
    if not isinstance(red_flags, (list, tuple, set, frozenset)):
        return False
    chosen = set(red_flags)
    return bool(chosen & EMERGENCY_VALUES) or any(
        value in chosen and not partners.isdisjoint(chosen)
        for value, partners in EMERGENCY_PAIRS)


_NOT_EMERGENCY = Not(not_=EMERGENCY_CONDITION)

STEPS: tuple[Step, ...] = (
    Step("urgent", "Urgent symptoms", ("red_flags",)),
    Step("diagnosis", "What you know so far",
         ("diagnosis", "imaging", "imaging_within_12_months"), _NOT_EMERGENCY),
    Step("symptoms", "Where it hurts", ("main_symptom", "symptom_duration"), _NOT_EMERGENCY),
    Step("pain", "How much it hurts", ("pain_score", "daily_impact"), _NOT_EMERGENCY),
    Step("treatments", "Care you have tried",
         ("treatments_tried", "treatment_duration", "treatment_result"), _NOT_EMERGENCY),
    Step("surgery", "Past spine surgery", ("prior_surgery",), _NOT_EMERGENCY),
    # Asked only once "Yes" is answered: nobody who said "No" meets these pages, and the
    # count of pages grows only then.
    Step("surgery_details", "About your spine surgery",
         ("prior_surgery_when", "prior_surgery_type", "prior_surgery_outcome"),
         AllOf.model_validate({"all": [
             _NOT_EMERGENCY, {"question": "prior_surgery", "answered": True},
             _unless("prior_surgery", "none", "single")]})),
    Step("health", "Your health", ("age_band", "health_factors"), _NOT_EMERGENCY),
    Step("goals", "Your goals", ("goals", "surgery_preference"), _NOT_EMERGENCY),
)

STEP_BY_ID: dict[str, Step] = {s.id: s for s in STEPS}
# Each question's step, from the steps' lists: the one place a question is placed.
STEP_OF: dict[str, str] = {qid: s.id for s in STEPS for qid in s.questions}
_placed = [qid for s in STEPS for qid in s.questions]
if len(_placed) != len(set(_placed)) or set(_placed) != set(QUESTIONS):
    raise ValueError("every question must be listed by exactly one step; check "
                     f"{sorted(set(QUESTIONS).symmetric_difference(_placed)) or _placed}")
# Scenarios and tests fill a left-out required question with its example: one it lacks
# would make every answer set written before it incomplete.
_no_example = [q.id for q in _QUESTIONS if q.required and q.example is None]
if _no_example:
    raise ValueError(f"every required question needs an example answer: {_no_example}")


@dataclass(frozen=True)
class Page:
    """One screen of the patient flow: one question, under its step's title.

    Steps group questions for the nurse's page, the review, FHIR and the record; a patient
    on a phone meets them one question at a time, so no screen runs long and a follow-up
    comes after the answer that asks for it, never before. A page takes its step's id when
    it opens the step (``/step/urgent``), else its question's (``/step/imaging``).

    A long list may be shown over several pages (the red flags, third clinical review):
    each such page shows ``choices``, a part of the question's values with its own
    exclusive one, under its own ``prompt`` and ``help``; the pages store one answer
    (``catalogue.split``). Everything but the patient's pages sees the one question.
    """

    id: str
    step: Step
    question: str
    choices: tuple[str, ...] = ()
    prompt: str = ""
    help: str = ""

    @property
    def questions(self) -> tuple[str, ...]:
        return (self.question,)

    @property
    def split(self) -> bool:
        """One of the pages sharing a question's list."""
        return bool(self.choices)


# The urgent check in three short pages (wording-review.md, section 1): the emergency
# values first, each page with its own "None of these". Never move an emergency value to a
# page after one of urgent values.
_URGENT_STEP = STEP_BY_ID["urgent"]
_RIGHT_NOW = "Do you have any of these right now?"
RED_FLAG_PAGES: tuple[Page, ...] = (
    Page("urgent", _URGENT_STEP, "red_flags",
         ("bladder_bowel", "saddle_numbness", "leg_weakness_worsening", "both_legs_new",
          "arm_weakness_worsening", "none"), _RIGHT_NOW,
         "These can mean nerves are badly pressed. Fast care can prevent lasting harm."),
    Page("urgent-2", _URGENT_STEP, "red_flags",
         ("chest_pain", "sudden_severe_pain", "neck_artery_signs", "neck_injury_nerve",
          "spinal_cord_signs", "none"), _RIGHT_NOW,
         "These can be signs of a problem in the heart, a blood vessel or the spinal cord."),
    Page("urgent-3", _URGENT_STEP, "red_flags",
         ("long_term_steroids", "fever", "cancer_history", "weight_loss", "infection_risk",
          "night_pain", "trauma", "none"), "Do any of these apply to you now?",
         "A doctor should check these soon."),
)
_shown_flags = [v for page in RED_FLAG_PAGES for v in page.choices if v != "none"]
if sorted(_shown_flags) != sorted(v for v in QUESTIONS["red_flags"].values if v != "none"):
    raise ValueError("the red-flag pages must show every red flag exactly once")
_urgent_before = False
for _page in RED_FLAG_PAGES:
    if _urgent_before and not EMERGENCY_VALUES.isdisjoint(_page.choices):
        raise ValueError(f"page {_page.id} puts an emergency value after urgent ones")
    _urgent_before = _urgent_before or not URGENT_VALUES.isdisjoint(_page.choices)

# Adults first: the age page comes right after the urgent check, and an under-18 answer
# ends the patient flow there (``answers.page_shown``), on the adults-only result. The
# health step's other questions keep their place, so its first page there takes its id.
_LATER = [(step, qid) for step in STEPS[1:] for qid in step.questions if qid != "age_band"]
PAGES: tuple[Page, ...] = (*RED_FLAG_PAGES, Page("age", STEP_BY_ID[STEP_OF["age_band"]],
                                                  "age_band"), *(
    Page(step.id if at == 0 or _LATER[at - 1][0] is not step else qid, step, qid)
    for at, (step, qid) in enumerate(_LATER)))
PAGE_BY_ID: dict[str, Page] = {p.id: p for p in PAGES}
# The page a question is changed on: the first of its pages (the review's "Change").
PAGE_OF: dict[str, Page] = {}
for _page in PAGES:
    PAGE_OF.setdefault(_page.question, _page)
# The under-18 answer ends the patient flow after this page.
AGE_PAGE = PAGE_OF["age_band"]
UNDER_18 = Answer(question="age_band", equals="under_18")

# The progress line: parts that never change in number, so it never jumps backwards
# (a follow-up page joins its part; it does not add to a count).
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("First questions", ("urgent", "age")),
    ("What you know so far", ("diagnosis",)),
    ("Your symptoms", ("symptoms", "pain")),
    ("Care you have tried", ("treatments",)),
    ("Past spine surgery", ("surgery", "surgery_details")),
    ("Your health and goals", ("health", "goals")),
)


def part_of(page: Page) -> tuple[int, str]:
    """(the part's number from 1, its title) for ``page``."""
    key = page.id if page is AGE_PAGE else page.step.id
    return next((at, title) for at, (title, steps) in enumerate(PARTS, 1) if key in steps)


def catalogue_json(locale: str = "en") -> dict[str, object]:
    """The catalogue as plain data in ``locale``, for the CLI and the API."""
    from ..i18n import t

    def shown(cond: Answer | AllOf | AnyOf | Not | None) -> object:
        return cond.model_dump(by_alias=True, exclude_none=True) if cond else None

    return {
        "lang": locale,
        "steps": [
            {"id": s.id, "title": t(s.title, locale), "questions": list(s.questions),
             "shown_when": shown(s.shown_when)}
            for s in STEPS
        ],
        "questions": [
            {
                "id": q.id, "kind": q.kind, "step": q.step, "prompt": t(q.prompt, locale),
                "help": t(q.help, locale), "spoken": t(q.spoken, locale), "required": q.required,
                "choices": [{"value": c.value, "label": t(c.label, locale)}
                            | ({"level": c.level} if c.level else {}) for c in q.choices],
                "exclusive": sorted(q.exclusive),
                "shown_when": shown(q.shown_when),
            }
            | ({"minimum": q.minimum, "maximum": q.maximum} if q.kind == "integer" else {})
            for q in QUESTIONS.values()
        ],
    }

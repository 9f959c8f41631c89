"""The third clinical review (issue 27), its wording and sources points: the reviewed choice
wording in English and Spanish, texts that fit who reads them, sources that say what is
cited, and the Spanish points. The rule scenarios are in rules/tests/texts-that-fit.yaml."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from screener.catalogue.questions import QUESTIONS
from screener.engine.do_now import do_now_text
from screener.engine.evaluate import evaluate
from screener.i18n import t
from screener.translating import po_path

from .conftest import COMPLETE_ANSWERS, WizardActions

# docs/spec/wording-review.md, as written (value -> English, Spanish).
REVIEWED_CHOICES = {
    "red_flags": {
        "bladder_bowel": ("New trouble peeing (can't go, or it's harder), or leaking pee or poo "
                          "without feeling it",
                          "Problemas nuevos para orinar (no puede o le cuesta más), o se le escapa "
                          "orina o heces sin notarlo"),
        "saddle_numbness": ("New numb or tingly genitals, bottom or inner thighs, or new loss of "
                            "sexual feeling",
                            "Adormecimiento u hormigueo nuevo en genitales, nalgas o parte "
                            "interna de los muslos, o pérdida nueva de sensibilidad sexual"),
        "leg_weakness_worsening": ("Leg or foot weakness that is bad or getting worse",
                                   "Debilidad grave o que empeora en la pierna o el pie"),
        "both_legs_new": ("New pain, numbness or weakness in both legs",
                          "Dolor, adormecimiento o debilidad nuevos en las dos piernas"),
        "arm_weakness_worsening": ("Arm or hand weakness that is bad or getting worse",
                                   "Debilidad grave o que empeora en el brazo o la mano"),
        "chest_pain": ("Chest pain", "Dolor en el pecho"),
        "sudden_severe_pain": ("Sudden, very bad back or belly pain with feeling faint or sweaty, "
                               "or with a known aortic aneurysm",
                               "Dolor muy fuerte y repentino de espalda o barriga con sensación "
                               "de desmayo o sudor, o con aneurisma de aorta conocido"),
        "neck_artery_signs": ("Sudden, very bad neck pain or headache with dizziness, double "
                              "vision, slurred speech, trouble swallowing or fainting",
                              "Dolor muy fuerte y repentino de cuello o cabeza con mareo, visión "
                              "doble, habla torpe, dificultad al tragar o desmayo"),
        "neck_injury_nerve": ("Recent neck injury, then new numb, tingly or weak arms or legs",
                              "Lesión reciente de cuello y luego brazos o piernas dormidos, con "
                              "hormigueo o sin fuerza"),
        "spinal_cord_signs": ("New clumsy hands (buttons, keys, writing), new unsteady walking or "
                              "balance, or an electric shock down your back or limbs when you "
                              "bend your neck",
                              "Manos torpes nuevas (botones, llaves, escribir), andar o equilibrio "
                              "inestable nuevo, o corriente eléctrica por espalda o extremidades "
                              "al doblar el cuello"),
        "long_term_steroids": ("Steroid tablets (like prednisone) for 3 months or more",
                               "Pastillas de corticoides (como prednisona) durante 3 meses o más"),
        "fever": ("Fever (38 °C / 100.4 °F or more) or feeling very unwell",
                  "Fiebre (38 °C / 100,4 °F o más) o sentirse muy mal"),
        "cancer_history": ("Cancer now or in the past", "Cáncer ahora o en el pasado"),
        "weight_loss": ("Losing weight without trying", "Pérdida de peso sin intentarlo"),
        "infection_risk": ("Injecting drugs, a weak immune system, or a recent serious "
                           "infection",
                           "Drogas inyectadas, defensas bajas o una infección grave reciente"),
        "night_pain": ("Pain that is worse at night and does not ease with rest",
                       "Dolor peor de noche que no se alivia con el reposo"),
        "trauma": ("Pain since a fall, accident or injury not checked by a doctor",
                   "Dolor tras una caída, accidente o golpe que ningún médico ha revisado"),
    },
    "diagnosis": {
        "herniated_disc": ("Herniated, slipped or bulging disc",
                           "Hernia de disco o disco abultado"),
        "spinal_stenosis": ("Spinal stenosis (narrowing around the nerves)",
                            "Estenosis espinal (poco espacio para los nervios)"),
        "degenerative_disc_disease": ("Worn discs (degenerative disc disease)",
                                      "Discos gastados (enfermedad degenerativa del disco)"),
        "spondylolisthesis": ("A spine bone shifted forward (spondylolisthesis)",
                              "Una vértebra desplazada (espondilolistesis)"),
        "compression_fracture": ("A collapsed spine bone (compression fracture)",
                                 "Una vértebra aplastada (fractura por compresión)"),
        "spinal_tumor": ("A growth in or near the spine (tumor)",
                         "Un bulto en la columna o cerca de ella (tumor)"),
        "other": ("Something else", "Otra cosa"),
        "not_sure": ("Not sure, or no one has told me", "No lo sé, o nadie me lo ha dicho"),
    },
    "health_factors": {
        "smoking": ("I smoke, vape or use nicotine", "Fumo, vapeo o uso nicotina"),
        "diabetes": ("Diabetes", "Diabetes"),
        "osteoporosis": ("Thin bones (osteoporosis)", "Huesos débiles (osteoporosis)"),
        "obesity": ("A BMI of 30 or more", "Un IMC de 30 o más"),
        "blood_thinners": ("Blood thinners (like warfarin, apixaban, clopidogrel, daily aspirin)",
                           "Medicinas que diluyen la sangre (warfarina, apixabán, clopidogrel, "
                           "aspirina diaria)"),
        "heart_lung": ("Heart or lung disease", "Enfermedad del corazón o de los pulmones"),
        "opioids": ("Opioid painkillers most days (like oxycodone, hydrocodone, tramadol)",
                    "Analgésicos opioides casi a diario (como tramadol, codeína, oxicodona)"),
        "mood": ("Depression or anxiety", "Depresión o ansiedad"),
        "pregnant": ("I am pregnant or may be", "Estoy embarazada o podría estarlo"),
    },
}
REVIEWED_PAGES = {
    "red_flags": ("Do you have any of these right now?",
                  "¿Tiene alguno de estos síntomas ahora?", None, None),
    "diagnosis": ("Has a doctor told you what is causing your pain?",
                  "¿Un médico le ha dicho qué causa su dolor?",
                  "Small-incision surgery is used for some problems, not others. This helps us "
                  "choose what to show you.",
                  "La cirugía con incisiones pequeñas sirve para algunos problemas y no para "
                  "otros. Así elegimos qué mostrarle."),
    "health_factors": ("Do any of these apply to you?",
                       "¿Alguna de estas cosas es cierta en su caso?",
                       "These can affect healing and safety. Talk about them with your care "
                       "team. They are not reasons to give up.",
                       "Pueden afectar la recuperación y la seguridad. Hable de esto con su "
                       "equipo médico. No son motivos para rendirse."),
}
NICE_EXPLAINED = {"en": "the UK's national health guidance body",
                  "es": "el organismo nacional de guías de salud del Reino Unido"}


def rule_texts(ruleset, locale: str) -> dict[str, str]:
    """Every text of every topic in ``locale``: title, body and questions to ask."""
    return {topic.id: " ".join(text.all_texts().get(locale, "")
                               for text in (topic.title, topic.body, *topic.ask))
            for topic in ruleset.topics.values()}


def spanish_catalogue() -> list[str]:
    with po_path("es").open("rb") as source:
        return [str(m.string) for m in read_po(source, locale="es") if m.id and m.string]


@pytest.mark.parametrize(("question_id", "value"),
                         [(q, v) for q, choices in REVIEWED_CHOICES.items() for v in choices])
def test_choices_carry_the_reviewed_wording_in_english_and_spanish(question_id, value):
    english, spanish = REVIEWED_CHOICES[question_id][value]
    label = QUESTIONS[question_id].label_of(value)
    assert label == english
    assert t(label, "es") == spanish


@pytest.mark.parametrize("question_id", sorted(REVIEWED_PAGES))
def test_titles_and_help_carry_the_reviewed_wording(question_id):
    title, titulo, help_text, ayuda = REVIEWED_PAGES[question_id]
    question = QUESTIONS[question_id]
    assert (question.prompt, t(question.prompt, "es")) == (title, titulo)
    if help_text:
        assert (question.help, t(question.help, "es")) == (help_text, ayuda)


def test_slipped_is_only_in_the_disc_choice():
    slipped = [c.value for c in QUESTIONS["diagnosis"].choices if "slipped" in c.label.lower()]
    assert slipped == ["herniated_disc"]


def test_the_scan_help_does_not_say_scans_are_always_needed():
    assert QUESTIONS["imaging"].help.startswith("A specialist may need scans")


def test_no_text_assumes_surgery_with_your_surgeon(ruleset):
    catalogue = [text for q in QUESTIONS.values()
                 for text in (q.prompt, q.help, q.say, *(c.label for c in q.choices))]
    topics = rule_texts(ruleset, "en").values()
    assert [text for text in [*catalogue, *topics] if "your surgeon" in text.lower()] == []


@pytest.mark.parametrize("locale", ["en", "es"])
def test_nice_is_explained_wherever_a_text_names_it(ruleset, locale):
    naming = {tid: text for tid, text in rule_texts(ruleset, locale).items()
              if re.search(r"\bNICE\b", text)}
    assert naming, "some topics cite NICE in their text"
    assert {tid for tid, text in naming.items() if NICE_EXPLAINED[locale] not in text} == set()


@pytest.mark.parametrize("topic_id", ["procedure-microdiscectomy",
                                      "procedure-endoscopic-discectomy"])
def test_disc_surgery_texts_say_they_are_for_leg_pain(ruleset, topic_id):
    body = ruleset.topics[topic_id].body
    assert "not for back pain alone" in body.en and "leg" in body.en
    assert "no para el dolor de espalda solo" in body.all_texts()["es"]


def test_kyphoplasty_for_a_growth_cites_the_metastases_guidance_not_the_osteoporosis_one(
        ruleset):
    tumour = ruleset.topics["procedure-kyphoplasty-tumor"]
    thin_bones = ruleset.topics["procedure-kyphoplasty"]
    assert tumour.sources == ["nice-ng234"]
    assert "TA279" not in " ".join(tumour.citations) and "thin bones" not in tumour.body.en
    assert "nice-ta279" in thin_bones.sources and "thin bones" in thin_bones.body.en


@pytest.mark.parametrize(("topic_id", "wrong"), [
    ("adults-only", "nice-ng59"),
    ("contact-your-surgical-team", "nice-ng59"),
    ("imaging-may-need-update", "acr-low-back-pain"),
    ("risk-bone-health", "harrop-2021"),
])
def test_a_source_that_does_not_say_it_is_not_cited(ruleset, topic_id, wrong):
    assert wrong not in ruleset.topics[topic_id].sources


def test_sources_say_what_is_cited(ruleset):
    titles = {ref_id: ref.title for ref_id, ref in ruleset.references.items()}
    assert "Preoperative Osteoporosis Assessment" in titles["dimar-2021"]
    assert "dimar-2021" in ruleset.topics["risk-bone-health"].sources
    assert "Br J Gen Pract 2018;68(666):44-46" in titles["mccartney-bjgp-2017"]
    assert "recurrent lumbar disc herniation" in titles["peld-recurrence-review"]
    assert "peld-recurrence-review" in ruleset.topics["procedure-endoscopic-discectomy"].sources
    assert "children and adolescents" in titles["houghton-2010"]


def test_weight_and_smoking_texts_claim_no_infection_and_leave_nicotine_replacement_open(
        ruleset):
    weight, smoking = (ruleset.topics[t_id].body.en for t_id in ("risk-weight", "risk-smoking"))
    assert "infection" not in weight and "problems with healing" in weight
    assert "infection" not in smoking and "another operation" in smoking
    assert "not yet clear" in smoking and "Nicotine patches or gum that help you quit" in smoking


def test_the_328_person_trial_reports_more_pain_in_the_first_2_years_only(ruleset):
    body = ruleset.topics["miss-benefits-and-limits"].body.en
    sentence = next(s for s in re.split(r"(?<=\.) ", body) if "leg and back pain" in s)
    assert "first 2 years" in sentence and "5" not in sentence


@pytest.mark.parametrize("wrong", ["anticoagulante", "caca", "No estoy seguro", "Estoy abierto",
                                   "que es fuerte", "Ninguna de estas opciones"])
def test_spanish_drops_the_words_the_review_found(ruleset, wrong):
    texts = [*spanish_catalogue(), *rule_texts(ruleset, "es").values()]
    assert [text for text in texts if wrong.lower() in text.lower()] == []


def test_the_spoken_cord_question_keeps_new_in_spanish():
    spoken = t(QUESTIONS["red_flags"].choices[
        QUESTIONS["red_flags"].values.index("spinal_cord_signs")].spoken, "es")
    assert spoken.count("desde hace poco") == 2


def test_the_handout_says_what_to_do_now_with_an_action_not_a_topic_title(client, ruleset):
    WizardActions(client).complete(COMPLETE_ANSWERS)
    page = client.get("/result/print", headers={"Accept-Language": "es"}).get_data(as_text=True)
    lead = re.search(r"<strong>Qué hacer ahora:</strong>\s*([^<]+)</p>", page)
    assert lead, "the one-page summary opens with what to do now"
    # The test app has no clinic phone or booking page: the step is the summary itself.
    assert lead.group(1).strip() == t(do_now_text(evaluate(ruleset, COMPLETE_ANSWERS),
                                                  reachable=False), "es")


def test_reviewed_spanish_is_still_marked_draft(ruleset):
    assert {topic.review.get("es") for topic in ruleset.topics.values()} == {"draft"}
    with po_path("es").open("rb") as source:
        messages = [m for m in read_po(source, locale="es") if m.id and m.string]
    assert messages and all(m.fuzzy for m in messages)

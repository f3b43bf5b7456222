"""Every sentence template read with 0, 1, many and negative values, in each language.

Each plural message of the catalogues is rendered for a range of counts and
checked against the form CLDR asks for; the checklist's sentences and the trip
summary are rendered for the values that broke them before ("1 atteints", "the
latest -12 days before", "Only 0% is paid", a verb that ignores the number of
travellers or the trip's stage).
"""

import re
from datetime import date
from typing import Any

import pytest
from babel import Locale
from babel.messages.catalog import Message
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from notifier.i18n.catalogues import LOCALES, TEMPLATE, catalogue_path
from notifier.i18n.locale import Formats
from notifier.i18n.words import words
from notifier.publish.models import TripState
from notifier.publish.present import summary
from notifier.publish.sentences import sentences
from notifier.testing import snapshot
from periplus.sdg import LANGUAGES
from services.notifier.tests.unit.signal_samples import shown, signal_samples

COUNTS = (0, 1, 2, 7, 21, -1, -12, 1_000_000)
CATEGORIES = ("one", "many", "other")
LEFTOVER = re.compile(r"[{}]")
# Words that must not follow a count of 1 (plural) or of 7 (singular), per language.
PLURAL_AFTER_ONE = {
    "en": r"days|trips|people|characters|outcomes|reports|commitments|countries|travellers",
    "es": r"días|viajes|personas|caracteres|resultados|informes|compromisos|países|logrados|"
    r"cumplidos|abiertos|vencidos|atrasados|presentados",
    "fr": r"jours|déplacements|personnes|caractères|résultats|rapports|engagements|atteints|"
    r"réalisés|ouverts|annulés|déposés|affichés",
    "pt": r"dias|viagens|pessoas|caracteres|resultados|relatórios|compromissos|países|"
    r"alcançados|concluídos|abertos|atrasados|apresentados|exibidas",
}
SINGULAR_AFTER_MANY = {
    "en": r"day|trip|person|character|outcome|report|commitment|country|traveller",
    "es": r"día|viaje|persona|carácter|resultado|informe|compromiso|país|logrado",
    "fr": r"jour|déplacement|personne|caractère|résultat|rapport|engagement|atteint",
    "pt": r"dia|viagem|pessoa|caractere|resultado|relatório|compromisso|país|alcançado",
}


# Plural nouns that a round number of millions takes with "de" (a million is a noun there).
MILLIONS_OF = {
    "es": r"ciudades|compromisos|días|informes|países|personas|resultados|viajes|caracteres",
    "fr": r"villes|pays|déplacements|rapports|engagements|jours|élus|voyageurs|personnes|"
    r"résultats|caractères|autres",
    "pt": r"cidades|compromissos|dias|países|pessoas|relatórios|resultados|viagens|caracteres",
}


def _plurals() -> list[Message]:
    with TEMPLATE.open("rb") as source:
        return [m for m in read_po(source) if m.id and m.pluralizable]


def _values(*texts: str) -> dict[str, str]:
    names = {n for t in texts for n in re.findall(r"\{(\w+)\}", t)} - {"count"}
    return {name: f"«{name}»" for name in names}


def _agrees(lang: str, text: str) -> None:
    """No count of 1 before a plural word, none of 7 before a singular one, nothing left over."""
    assert not LEFTOVER.search(text), text
    assert not re.search(rf"(?<![\d.,\u202f\xa0])\b1 ({PLURAL_AFTER_ONE[lang]})\b", text), text
    assert not re.search(rf"\b7 ({SINGULAR_AFTER_MANY[lang]})(?![\w-])", text), text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_plural_message_takes_the_form_its_count_asks_for(lang: str) -> None:
    said, rule = words(lang), Locale.parse(LOCALES[lang]).plural_form
    forms: dict[tuple[str | None, str], tuple[str, ...]] = {}
    if lang != "en":
        with catalogue_path(lang).open("rb") as source:
            forms = {
                (m.context, str(m.id[0])): tuple(m.string or ())
                for m in read_po(source)
                if m.pluralizable
            }
    for message in _plurals():
        singular, plural = (str(text) for text in message.id)
        values = _values(singular, plural)
        for count in COUNTS:
            if message.context is None:
                text = said.ngettext(singular, plural, count, **values)
            else:
                text = said.npgettext(message.context, singular, plural, count, **values)
            if lang == "en":
                wanted = singular if abs(count) == 1 else plural
            else:
                wanted = forms[(message.context, singular)][CATEGORIES.index(rule(abs(count)))]
            shown = format_decimal(count, locale=said.locale)
            assert text == wanted.format(count=shown, **values), (lang, message.id, count)
            assert not LEFTOVER.search(text), text
            if "{count}" in plural:
                assert shown in text, (lang, message.id, count)
            if count in (1, 7):
                _agrees(lang, text)


@pytest.mark.parametrize("lang", sorted(MILLIONS_OF))
def test_a_round_million_of_things_reads_a_million_of_them(lang: str) -> None:
    """CLDR's "many" form: "1 000 000 de déplacements", not the "other" form's wording."""
    with catalogue_path(lang).open("rb") as source:
        plurals = [m for m in read_po(source) if m.id and m.pluralizable]
    of = re.compile(rf"\{{count\}} ({MILLIONS_OF[lang]})(?![\w])")
    checked = 0
    for message in plurals:
        assert isinstance(message.string, tuple)
        _, many, other = message.string
        for noun in of.findall(other):
            de = "d'" if lang == "fr" and noun[0] in "aeiouéh" else "de "
            assert f"{{count}} {de}{noun}" in many, (lang, message.id[0], many)
            checked += 1
        assert not of.search(many), (lang, message.id[0], many)
    assert checked > 20
    said = words(lang)
    million = format_decimal(1_000_000, locale=said.locale)
    wanted = {"es": "de viajes", "fr": "de déplacements", "pt": "de viagens"}[lang]
    assert said.ngettext("{count} trip", "{count} trips", 1_000_000) == f"{million} {wanted}"
    assert " de " not in said.ngettext("{count} trip", "{count} trips", 2_000_001)


def test_french_keeps_its_spaces_before_high_punctuation_and_inside_quotes() -> None:
    """A no-break space before ":" and inside « », a narrow one before ";", "!" and "?",
    so that a line never starts with the mark that closes the previous one."""
    with catalogue_path("fr").open("rb") as source:
        texts = [
            str(text)
            for m in read_po(source)
            if m.id
            for text in (m.string if isinstance(m.string, tuple) else (m.string,))
        ]
    assert sum(text.count("\u00a0:") for text in texts) > 50
    for text in texts:
        assert not re.search(r"(?<!\u00a0):|(?<!\u202f)[;!?]|(?<!\u00a0)»|«(?!\u00a0)", text), text
    said = words("fr")
    assert said.gettext("Feeds:") == "Flux\u00a0:"
    assert said.gettext("Feeds ({filter}):", filter="ODD") == "Flux (ODD)\u00a0:"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_checklist_sentence_reads_for_none_one_many_and_negative(lang: str) -> None:
    fmt, said = Formats(lang), words(lang)
    by_message, samples = sentences(fmt.join), signal_samples()
    assert set(samples) == set(by_message)
    for message, cases in samples.items():
        for figures in cases:
            text = by_message[message](said, figures, shown(fmt, figures))
            _agrees(lang, text)
            assert not re.search(r"-\d", text), (message, text)  # no "-12 days"
            assert not re.search(r"\b0\s?%", text) or message.startswith("agenda"), text


ENGLISH = {
    (
        "notice.warning",
        0,
    ): "Disclosed on the day of departure (minimum: 15), with no justification.",
    ("notice.after", 0): "Disclosed 1 day after departure, after the fact.",
    ("purpose.thin", 1): "The purpose is too brief to judge the trip by (1 character).",
    ("delegation.pass", 0): "A delegation of 1 person (maximum: 4).",
    ("cofunded.warning", 0): "Hosts and partners pay nothing (hoped for: at least 20%); "
    "the city pays 1,000.",
    ("results.pass", 1): "Every expected outcome has a result: 1 achieved, 1 achieved in part, "
    "and 1 not achieved.",
    ("results.warning", 0): "No expected outcome was named, so none can be reported on.",
    ("amendments.warning", 0): "Amendments since approval: 1; made late (less than 7 days "
    "before departure, or after it): 1; the latest 12 days after departure.",
    ("amendments.warning", 1): "Amendments since approval: 2; made late (less than 1 day "
    "before departure, or after it): 1; the latest on the day of departure.",
    ("amendments.pass", 1): "Amendments since approval: 2.",
    ("followups.warning", 0): "Follow-ups: 1 overdue and 1 dropped.",
    ("cofunded.pass", 1): "Hosts and partners pay nothing; the city pays 800.",
}
FRENCH = {
    ("results.pass", 1): "Chaque résultat attendu a un bilan\u00a0: 1 atteint, 1 atteint en "
    "partie et 1 non atteint.",
    ("results.pass", 2): "Chaque résultat attendu a un bilan\u00a0: 7 atteints et 1 non atteint.",
    ("notice.pass", 0): "Publié 1 jour avant le départ (minimum\u00a0: 15).",
    ("delegation.warning", 1): "Une délégation de 7 personnes, plus que le maximum de 4.",
}


@pytest.mark.parametrize(("lang", "wanted"), [("en", ENGLISH), ("fr", FRENCH)])
def test_checklist_sentences_read_as_written(lang: str, wanted: dict[tuple[str, int], str]) -> None:
    fmt, said = Formats(lang), words(lang)
    by_message, samples = sentences(fmt.join), signal_samples()
    for (message, case), sentence in wanted.items():
        figures = samples[message][case]
        assert by_message[message](said, figures, shown(fmt, figures)) == sentence


def _trip(travellers: list[dict[str, Any]], size: int, **more: Any) -> dict[str, Any]:
    """A one-day trip to Quito; nothing else in its summary names the city."""
    trip = snapshot(departure=date(2030, 5, 10), days=1, size=size, host_organisation=None, **more)
    trip["travellers"] = [{**t, "elected": False} for t in travellers]
    for item in trip["budget"]:
        item["payer_name"] = None
    return trip


def _state(travellers: list[dict[str, Any]], size: int, **more: Any) -> TripState:
    trip = _trip(travellers, size, total="3000.00", city_share="3000.00")
    return TripState.model_validate({"trip": trip, **more})


ONE: list[dict[str, Any]] = [{"name": "Ana Pérez", "position": "Mayor"}]
TWO: list[dict[str, Any]] = [*ONE, {"name": None, "position": "Director of Culture"}]
PLANNED, UNDER_WAY, DONE = date(2030, 1, 1), date(2030, 5, 10), date(2030, 6, 1)
CANCELLED = {"cancelled": {"reason": "", "occurred_at": "2030-04-01T00:00:00Z"}}
USD = {"amount": "900.00", "currency": "USD"}
COMPLETED = {"actual_costs": [], "actual_total": USD, "city_share": USD}
VERBS = {
    # language: (one planned, two planned, one under way, two done, two cancelled, 1 day)
    "en": (
        "will travel to",
        "will travel to",
        "is travelling to",
        "travelled to",
        "were to travel to",
        "(1 day)",
    ),
    "es": (
        "viajará a",
        "viajarán a",
        "está de viaje en",
        "viajaron a",
        "iban a viajar a",
        "(1 día)",
    ),
    "fr": (
        "se rendra à",
        "se rendront à",
        "est en déplacement à",
        "ont voyagé à",
        "devaient se rendre à",
        "(1 jour)",
    ),
    "pt": (
        "viajará para",
        "viajarão para",
        "está viajando para",
        "viajaram para",
        "viajariam para",
        "(1 dia)",
    ),
}
PROTECTED = {
    "en": "Director of Culture (name not published)",
    "es": "Director of Culture (nombre no publicado)",
    "fr": "Director of Culture (nom non publié)",
    "pt": "Director of Culture (nome não publicado)",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_summary_agrees_with_who_travels_and_the_trip_s_stage(lang: str) -> None:
    one_planned, two_planned, one_now, two_done, two_cancelled, one_day = VERBS[lang]

    def first(state: TripState, today: date) -> str:
        found = [s for s in summary(state, lang, today) if "Quito" in s]
        assert len(found) == 1
        _agrees(lang, found[0])
        return found[0]

    assert one_planned in first(_state(ONE, 1), PLANNED)
    assert one_day in first(_state(ONE, 1), PLANNED)
    planned_two = first(_state(TWO, 2), PLANNED)
    assert two_planned in planned_two
    assert PROTECTED[lang] in planned_two
    assert one_now in first(_state(ONE, 1), UNDER_WAY)
    assert two_done in first(_state(TWO, 2), DONE)
    assert two_done in first(_state(TWO, 2, completed=COMPLETED), UNDER_WAY)
    assert two_cancelled in first(_state(TWO, 2, **CANCELLED), PLANNED)
    # A delegation without names is one subject, whatever its size.
    assert one_planned in first(_state([], 5), PLANNED)


def test_the_budget_is_told_in_the_past_once_the_trip_is_done_or_cancelled() -> None:
    trip = _trip(ONE, 1, total="1000.00", city_share="600.00")
    state = TripState.model_validate({"trip": trip})
    planned = "Budgeted cost $1,000.00; the city pays $600.00 and $400.00 is paid by the host."
    past = "Budgeted cost $1,000.00; the city was to pay $600.00, and the host the other $400.00."
    assert planned in summary(state, "en", PLANNED)
    assert past in summary(state, "en", DONE)
    cancelled = TripState.model_validate({"trip": trip, **CANCELLED})
    assert past in summary(cancelled, "en", PLANNED)


def test_a_summary_of_results_agrees_with_each_count() -> None:
    report = {"filed_on": "2030-06-01", "summary": "Done.", "days_after_return": 22}
    outcomes = [{"id": f"o{n}", "text": f"Outcome {n}"} for n in range(3)]
    results = [
        {"outcome_id": "o0", "achieved": "yes", "result": "Signed."},
        {"outcome_id": "o1", "achieved": "partly", "result": "Costed in part."},
    ]
    trip = _trip(ONE, 1, expected_outcomes=outcomes)
    state = TripState.model_validate({"trip": trip, "report": {**report, "results": results}})
    english = summary(state, "en", DONE)
    assert "Of 3 expected outcomes: 1 achieved and 1 achieved in part." in english
    french = summary(state, "fr", DONE)
    assert "Sur 3 résultats attendus\u00a0: 1 atteint et 1 atteint en partie." in french

"""Words about a count, in the form each language's grammar asks for it.

A message has forms by CLDR plural category (Babel's rules: ``one``, ``many``,
``other``), each ``(en, es, fr, pt)``, and may have a ``zero`` form of its own
words for none ("no report filed yet" rather than "0 reports filed"), empty
where nothing need be said.
French and Portuguese put 0 in ``one`` ("0 rapport"), as CLDR says; a missing
``many`` falls back to ``other``. ``{count}`` is the count in local digits.
"""

from collections.abc import Callable
from functools import cache
from typing import Any

from babel import Locale

from periplus.sdg import LANGUAGES

Forms = dict[str, tuple[str, str, str, str]]

C: dict[str, Forms] = {
    "glance.trips": {
        "one": (
            "trip abroad",
            "viaje al exterior",
            "déplacement à l'étranger",
            "viagem ao exterior",
        ),
        "other": (
            "trips abroad",
            "viajes al exterior",
            "déplacements à l'étranger",
            "viagens ao exterior",
        ),
    },
    "glance.countries": {
        "zero": ("", "", "", ""),
        "one": ("to {count} country", "a {count} país", "dans {count} pays", "a {count} país"),
        "other": (
            "to {count} countries",
            "a {count} países",
            "dans {count} pays",
            "a {count} países",
        ),
    },
    "glance.cancelled": {
        "zero": ("", "", "", ""),
        "one": (
            "{count} more cancelled",
            "{count} más cancelado",
            "{count} autre annulé",
            "mais {count} cancelada",
        ),
        "other": (
            "{count} more cancelled",
            "{count} más cancelados",
            "{count} autres annulés",
            "mais {count} canceladas",
        ),
    },
    "glance.travellers": {
        "one": ("traveller", "persona viajera", "voyageur", "pessoa viajante"),
        "other": ("travellers", "personas viajeras", "voyageurs", "pessoas viajantes"),
    },
    "glance.elected": {
        "zero": (
            "no elected official among them",
            "ningún cargo electo entre ellas",
            "aucun élu parmi eux",
            "nenhum eleito entre elas",
        ),
        "one": (
            "{count} of them an elected official",
            "{count} de ellas cargo electo",
            "dont {count} élu",
            "{count} delas com cargo eletivo",
        ),
        "other": (
            "{count} of them elected officials",
            "{count} de ellas cargos electos",
            "dont {count} élus",
            "{count} delas com cargo eletivo",
        ),
    },
    "glance.budgeted": {
        "zero": (
            "actual costs of every trip",
            "costos reales de todos los viajes",
            "coûts réels de chaque déplacement",
            "custos reais de todas as viagens",
        ),
        "one": (
            "the budget for {count} trip not yet completed",
            "el presupuesto de {count} viaje aún no concluido",
            "le budget de {count} déplacement pas encore achevé",
            "o orçamento de {count} viagem ainda não concluída",
        ),
        "other": (
            "budgets for {count} trips not yet completed",
            "presupuestos de {count} viajes aún no concluidos",
            "budgets de {count} déplacements pas encore achevés",
            "orçamentos de {count} viagens ainda não concluídas",
        ),
    },
    "glance.days": {
        "one": ("day abroad", "día en el exterior", "jour à l'étranger", "dia no exterior"),
        "other": ("days abroad", "días en el exterior", "jours à l'étranger", "dias no exterior"),
    },
    "glance.person_days": {
        "zero": ("", "", "", ""),
        "one": (
            "{count} traveller-day",
            "{count} día-persona",
            "{count} jour-personne",
            "{count} dia-pessoa",
        ),
        "other": (
            "{count} traveller-days",
            "{count} días-persona",
            "{count} jours-personne",
            "{count} dias-pessoa",
        ),
    },
    "glance.achieved": {
        "one": (
            "expected outcome achieved",
            "resultado esperado logrado",
            "résultat attendu atteint",
            "resultado esperado alcançado",
        ),
        "other": (
            "expected outcomes achieved",
            "resultados esperados logrados",
            "résultats attendus atteints",
            "resultados esperados alcançados",
        ),
    },
    "glance.expected": {
        "zero": (
            "no report filed yet",
            "aún no hay informes",
            "aucun rapport déposé pour l'instant",
            "nenhum relatório apresentado ainda",
        ),
        "one": (
            "of {count} expected in the reports filed",
            "de {count} esperado en los informes presentados",
            "sur {count} attendu dans les rapports déposés",
            "de {count} esperado nos relatórios apresentados",
        ),
        "other": (
            "of {count} expected in the reports filed",
            "de {count} esperados en los informes presentados",
            "sur {count} attendus dans les rapports déposés",
            "de {count} esperados nos relatórios apresentados",
        ),
    },
    "glance.partly": {
        "zero": ("", "", "", ""),
        "one": (
            "{count} more in part",
            "{count} más en parte",
            "{count} autre en partie",
            "mais {count} em parte",
        ),
        "other": (
            "{count} more in part",
            "{count} más en parte",
            "{count} autres en partie",
            "mais {count} em parte",
        ),
    },
    "glance.overdue": {
        "one": (
            "report overdue",
            "informe atrasado",
            "rapport en retard",
            "relatório atrasado",
        ),
        "other": (
            "reports overdue",
            "informes atrasados",
            "rapports en retard",
            "relatórios atrasados",
        ),
    },
    "glance.filed": {
        "zero": (
            "no report filed yet",
            "aún no hay informes presentados",
            "aucun rapport déposé pour l'instant",
            "nenhum relatório apresentado ainda",
        ),
        "one": (
            "{count} report filed",
            "{count} informe presentado",
            "{count} rapport déposé",
            "{count} relatório apresentado",
        ),
        "other": (
            "{count} reports filed",
            "{count} informes presentados",
            "{count} rapports déposés",
            "{count} relatórios apresentados",
        ),
    },
    "glance.filed_late": {
        "zero": ("none late", "ninguno tarde", "aucun en retard", "nenhum atrasado"),
        "one": (
            "{count} of them late",
            "{count} de ellos tarde",
            "dont {count} en retard",
            "{count} deles atrasado",
        ),
        "other": (
            "{count} of them late",
            "{count} de ellos tarde",
            "dont {count} en retard",
            "{count} deles atrasados",
        ),
    },
    "glance.kept": {
        "one": (
            "follow-up commitment kept",
            "compromiso de seguimiento cumplido",
            "engagement de suivi tenu",
            "compromisso de acompanhamento cumprido",
        ),
        "other": (
            "follow-up commitments kept",
            "compromisos de seguimiento cumplidos",
            "engagements de suivi tenus",
            "compromissos de acompanhamento cumpridos",
        ),
    },
    "glance.commitments": {
        "zero": (
            "no commitment made yet",
            "aún sin compromisos",
            "aucun engagement pris pour l'instant",
            "nenhum compromisso assumido ainda",
        ),
        "one": (
            "of {count} made",
            "de {count} asumido",
            "sur {count} pris",
            "de {count} assumido",
        ),
        "other": (
            "of {count} made",
            "de {count} asumidos",
            "sur {count} pris",
            "de {count} assumidos",
        ),
    },
    "glance.commitments_overdue": {
        "zero": ("none overdue", "ninguno vencido", "aucun en retard", "nenhum atrasado"),
        "one": (
            "{count} overdue",
            "{count} vencido",
            "{count} en retard",
            "{count} atrasado",
        ),
        "other": (
            "{count} overdue",
            "{count} vencidos",
            "{count} en retard",
            "{count} atrasados",
        ),
    },
    "glance.notice": {
        "one": (
            "day of notice before departure, the median",
            "día de antelación antes de la salida, la mediana",
            "jour de préavis avant le départ, en médiane",
            "dia de antecedência antes da partida, a mediana",
        ),
        "other": (
            "days of notice before departure, the median",
            "días de antelación antes de la salida, la mediana",
            "jours de préavis avant le départ, en médiane",
            "dias de antecedência antes da partida, a mediana",
        ),
    },
    "glance.notice_after": {
        "one": (
            "day after departure: when the median trip was disclosed",
            "día después de la salida: cuándo se publicó el viaje mediano",
            "jour après le départ : quand le déplacement médian a été publié",
            "dia depois da partida: quando a viagem mediana foi publicada",
        ),
        "other": (
            "days after departure: when the median trip was disclosed",
            "días después de la salida: cuándo se publicó el viaje mediano",
            "jours après le départ : quand le déplacement médian a été publié",
            "dias depois da partida: quando a viagem mediana foi publicada",
        ),
    },
    "glance.short_notice": {
        "zero": (
            "no trip disclosed with less than the minimum notice",
            "ningún viaje publicado con menos antelación que la mínima",
            "aucun déplacement publié avec moins que le préavis minimal",
            "nenhuma viagem publicada com menos que a antecedência mínima",
        ),
        "one": (
            "{count} trip disclosed with less than the minimum notice",
            "{count} viaje publicado con menos antelación que la mínima",
            "{count} déplacement publié avec moins que le préavis minimal",
            "{count} viagem publicada com menos que a antecedência mínima",
        ),
        "other": (
            "{count} trips disclosed with less than the minimum notice",
            "{count} viajes publicados con menos antelación que la mínima",
            "{count} déplacements publiés avec moins que le préavis minimal",
            "{count} viagens publicadas com menos que a antecedência mínima",
        ),
    },
    "digest.disclosed": {
        "zero": (
            "No trip was disclosed.",
            "No se publicó ningún viaje.",
            "Aucun déplacement n'a été publié.",
            "Nenhuma viagem foi publicada.",
        ),
        "one": (
            "{count} trip was disclosed before departure.",
            "Se publicó {count} viaje antes de la salida.",
            "{count} déplacement a été publié avant le départ.",
            "{count} viagem foi publicada antes da partida.",
        ),
        "other": (
            "{count} trips were disclosed before departure.",
            "Se publicaron {count} viajes antes de la salida.",
            "{count} déplacements ont été publiés avant le départ.",
            "{count} viagens foram publicadas antes da partida.",
        ),
    },
    "digest.cancelled": {
        "zero": ("", "", "", ""),
        "one": (
            "{count} trip was cancelled.",
            "Se canceló {count} viaje.",
            "{count} déplacement a été annulé.",
            "{count} viagem foi cancelada.",
        ),
        "other": (
            "{count} trips were cancelled.",
            "Se cancelaron {count} viajes.",
            "{count} déplacements ont été annulés.",
            "{count} viagens foram canceladas.",
        ),
    },
    "digest.reported": {
        "zero": (
            "No report was filed.",
            "No se presentó ningún informe.",
            "Aucun rapport n'a été déposé.",
            "Nenhum relatório foi apresentado.",
        ),
        "one": (
            "{count} report on what a trip achieved was filed.",
            "Se presentó {count} informe sobre lo que logró un viaje.",
            "{count} rapport sur ce qu'un déplacement a permis a été déposé.",
            "{count} relatório sobre o que uma viagem alcançou foi apresentado.",
        ),
        "other": (
            "{count} reports on what trips achieved were filed.",
            "Se presentaron {count} informes sobre lo que lograron los viajes.",
            "{count} rapports sur ce que les déplacements ont permis ont été déposés.",
            "{count} relatórios sobre o que as viagens alcançaram foram apresentados.",
        ),
    },
    "digest.amended": {
        "zero": ("", "", "", ""),
        "one": (
            "{count} approved trip was changed, with its reasons.",
            "Se modificó {count} viaje aprobado, con sus motivos.",
            "{count} déplacement approuvé a été modifié, motifs à l'appui.",
            "{count} viagem aprovada foi alterada, com os seus motivos.",
        ),
        "other": (
            "{count} approved trips were changed, with their reasons.",
            "Se modificaron {count} viajes aprobados, con sus motivos.",
            "{count} déplacements approuvés ont été modifiés, motifs à l'appui.",
            "{count} viagens aprovadas foram alteradas, com os seus motivos.",
        ),
    },
    "digest.departed": {
        "zero": (
            "No official left on a trip abroad.",
            "Ninguna autoridad salió de viaje al exterior.",
            "Aucun déplacement à l'étranger n'a commencé.",
            "Nenhuma viagem ao exterior começou.",
        ),
        "one": (
            "{count} trip abroad began:",
            "Comenzó {count} viaje al exterior:",
            "{count} déplacement à l'étranger a commencé :",
            "{count} viagem ao exterior começou:",
        ),
        "other": (
            "{count} trips abroad began:",
            "Comenzaron {count} viajes al exterior:",
            "{count} déplacements à l'étranger ont commencé :",
            "{count} viagens ao exterior começaram:",
        ),
    },
    "digest.kept": {
        "zero": ("", "", "", ""),
        "one": (
            "{count} follow-up commitment was kept.",
            "Se cumplió {count} compromiso de seguimiento.",
            "{count} engagement de suivi a été tenu.",
            "{count} compromisso de acompanhamento foi cumprido.",
        ),
        "other": (
            "{count} follow-up commitments were kept.",
            "Se cumplieron {count} compromisos de seguimiento.",
            "{count} engagements de suivi ont été tenus.",
            "{count} compromissos de acompanhamento foram cumpridos.",
        ),
    },
    "chart.trips": {
        "one": ("{count} trip", "{count} viaje", "{count} déplacement", "{count} viagem"),
        "other": ("{count} trips", "{count} viajes", "{count} déplacements", "{count} viagens"),
    },
    "chart.days": {
        "one": ("{count} day", "{count} día", "{count} jour", "{count} dia"),
        "other": ("{count} days", "{count} días", "{count} jours", "{count} dias"),
    },
}


@cache
def _rule(code: str) -> Callable[[float], str]:
    """The language's plural rule, compiled once (Babel compiles it at each ask)."""
    rule: Callable[[float], str] = Locale.parse(code).plural_form
    return rule


def category(lang: str, count: float) -> str:
    """The CLDR plural category of ``count`` in ``lang``: ``one``, ``many`` or ``other``."""
    return str(_rule(lang if lang in LANGUAGES else "en")(abs(count)))


def counted(lang: str, key: str, count: float, shown: str | None = None, **values: Any) -> str:
    """The message ``key`` for ``count`` (shown as ``shown``, else as it is) in ``lang``."""
    forms = C.get(key)
    if forms is None:
        return key
    position = LANGUAGES.index(lang) if lang in LANGUAGES else 0
    form = "zero" if count == 0 and "zero" in forms else category(lang, count)
    row = forms.get(form) or forms["other"]
    template = row[position] if form == "zero" else row[position] or forms["other"][position]
    return template.format(count=count if shown is None else shown, **values)

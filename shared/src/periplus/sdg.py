"""The Sustainable Development Goals: 17 goals and the ids of their 169 targets.

Goal names are public facts, given here in the four languages of the city
networks. Target ids are complete; their official texts can be imported by
an operator in the languages they need.
"""

import re
from dataclasses import dataclass

LANGUAGES = ("en", "es", "fr", "pt")


@dataclass(frozen=True)
class Goal:
    number: int
    names: dict[str, str]

    def name(self, lang: str) -> str:
        return self.names.get(lang, self.names["en"])


_GOAL_NAMES: dict[int, tuple[str, str, str, str]] = {
    1: ("No poverty", "Fin de la pobreza", "Pas de pauvreté", "Erradicação da pobreza"),
    2: ("Zero hunger", "Hambre cero", "Faim « zéro »", "Fome zero e agricultura sustentável"),
    3: (
        "Good health and well-being",
        "Salud y bienestar",
        "Bonne santé et bien-être",
        "Saúde e bem-estar",
    ),
    4: (
        "Quality education",
        "Educación de calidad",
        "Éducation de qualité",
        "Educação de qualidade",
    ),
    5: ("Gender equality", "Igualdad de género", "Égalité entre les sexes", "Igualdade de gênero"),
    6: (
        "Clean water and sanitation",
        "Agua limpia y saneamiento",
        "Eau propre et assainissement",
        "Água potável e saneamento",
    ),
    7: (
        "Affordable and clean energy",
        "Energía asequible y no contaminante",
        "Énergie propre et d'un coût abordable",
        "Energia limpa e acessível",
    ),
    8: (
        "Decent work and economic growth",
        "Trabajo decente y crecimiento económico",
        "Travail décent et croissance économique",
        "Trabalho decente e crescimento econômico",
    ),
    9: (
        "Industry, innovation and infrastructure",
        "Industria, innovación e infraestructura",
        "Industrie, innovation et infrastructure",
        "Indústria, inovação e infraestrutura",
    ),
    10: (
        "Reduced inequalities",
        "Reducción de las desigualdades",
        "Inégalités réduites",
        "Redução das desigualdades",
    ),
    11: (
        "Sustainable cities and communities",
        "Ciudades y comunidades sostenibles",
        "Villes et communautés durables",
        "Cidades e comunidades sustentáveis",
    ),
    12: (
        "Responsible consumption and production",
        "Producción y consumo responsables",
        "Consommation et production responsables",
        "Consumo e produção responsáveis",
    ),
    13: (
        "Climate action",
        "Acción por el clima",
        "Lutte contre les changements climatiques",
        "Ação contra a mudança global do clima",
    ),
    14: ("Life below water", "Vida submarina", "Vie aquatique", "Vida na água"),
    15: ("Life on land", "Vida de ecosistemas terrestres", "Vie terrestre", "Vida terrestre"),
    16: (
        "Peace, justice and strong institutions",
        "Paz, justicia e instituciones sólidas",
        "Paix, justice et institutions efficaces",
        "Paz, justiça e instituições eficazes",
    ),
    17: (
        "Partnerships for the goals",
        "Alianzas para lograr los objetivos",
        "Partenariats pour la réalisation des objectifs",
        "Parcerias e meios de implementação",
    ),
}

# Per goal: how many numbered targets, and the letters of its means-of-implementation targets.
_TARGET_SHAPE: dict[int, tuple[int, str]] = {
    1: (5, "ab"),
    2: (5, "abc"),
    3: (9, "abcd"),
    4: (7, "abc"),
    5: (6, "abc"),
    6: (6, "ab"),
    7: (3, "ab"),
    8: (10, "ab"),
    9: (5, "abc"),
    10: (7, "abc"),
    11: (7, "abc"),
    12: (8, "abc"),
    13: (3, "ab"),
    14: (7, "abc"),
    15: (9, "abc"),
    16: (10, "ab"),
    17: (19, ""),
}

GOALS: dict[int, Goal] = {
    n: Goal(n, dict(zip(LANGUAGES, names, strict=True))) for n, names in _GOAL_NAMES.items()
}

TARGETS: tuple[str, ...] = tuple(
    f"{goal}.{t}"
    for goal, (count, letters) in _TARGET_SHAPE.items()
    for t in [*map(str, range(1, count + 1)), *letters]
)
_TARGET_SET = frozenset(TARGETS)
_TARGET_FORM = re.compile(r"^(1[0-7]|[1-9])\.([1-9][0-9]?|[a-d])$")


def is_goal(number: int) -> bool:
    return number in GOALS


def is_target(target_id: str) -> bool:
    return target_id in _TARGET_SET


def goal_of(target_id: str) -> int:
    """The goal a target belongs to; the target must be valid."""
    match = _TARGET_FORM.match(target_id)
    if not match or target_id not in _TARGET_SET:
        raise ValueError(f"{target_id!r} is not an SDG target")
    return int(match.group(1))

"""The Sustainable Development Goals: 17 goals and the ids of their 169 targets.

Goal names are public facts, given here in the four languages of the city
networks. Target ids are complete, each with a short label of our own; their
official texts can be imported by an operator in the languages they need.
"""

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

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


# Short labels for the 169 targets, written for this project: a reminder of what each
# target is about, not the official wording (which an operator imports, see below).
_TARGET_LABELS: dict[str, str] = {
    "1.1": "End extreme poverty",
    "1.2": "Halve poverty in all its forms",
    "1.3": "Social protection for all",
    "1.4": "Equal rights to resources and basic services",
    "1.5": "Resilience of the poor to shocks and disasters",
    "1.a": "Resources for programmes against poverty",
    "1.b": "Policy frameworks that favour the poor",
    "2.1": "Enough safe food for everyone, all year",
    "2.2": "End malnutrition",
    "2.3": "Productivity and incomes of small food producers",
    "2.4": "Sustainable, resilient farming",
    "2.5": "Genetic diversity of seeds, plants and animals",
    "2.a": "Investment in rural infrastructure and farm research",
    "2.b": "Fair world trade in farm products",
    "2.c": "Working food commodity markets",
    "3.1": "Fewer mothers dying in childbirth",
    "3.2": "End preventable deaths of newborns and young children",
    "3.3": "End epidemics of AIDS, tuberculosis, malaria and others",
    "3.4": "Fewer early deaths from chronic disease; mental health",
    "3.5": "Prevent and treat substance abuse",
    "3.6": "Fewer deaths and injuries on the roads",
    "3.7": "Sexual and reproductive health care for all",
    "3.8": "Health coverage for everyone",
    "3.9": "Fewer deaths and illnesses from pollution",
    "3.a": "Tobacco control",
    "3.b": "Research on and access to vaccines and medicines",
    "3.c": "Health financing and health workers",
    "3.d": "Early warning and management of health risks",
    "4.1": "Free primary and secondary schooling for all",
    "4.2": "Early childhood care and pre-primary education",
    "4.3": "Affordable vocational, technical and university education",
    "4.4": "Skills for work and for starting a business",
    "4.5": "Equal access to education for everyone",
    "4.6": "Reading, writing and arithmetic for all",
    "4.7": "Learning for sustainable development and global citizenship",
    "4.a": "Safe, inclusive places of learning",
    "4.b": "Scholarships for students from developing countries",
    "4.c": "More qualified teachers",
    "5.1": "End discrimination against women and girls",
    "5.2": "End violence against women and girls",
    "5.3": "End child marriage and female genital mutilation",
    "5.4": "Recognise unpaid care and domestic work",
    "5.5": "Women in leadership and decision-making",
    "5.6": "Sexual and reproductive health and rights",
    "5.a": "Equal rights for women to economic resources",
    "5.b": "Technology that empowers women",
    "5.c": "Policies and laws for gender equality",
    "6.1": "Safe drinking water for all",
    "6.2": "Sanitation and hygiene for all",
    "6.3": "Cleaner water, less pollution and untreated waste water",
    "6.4": "Efficient water use and secure supply",
    "6.5": "Integrated management of water resources",
    "6.6": "Protect ecosystems that depend on water",
    "6.a": "International support for water and sanitation",
    "6.b": "Local communities in water management",
    "7.1": "Modern energy for all",
    "7.2": "More renewable energy",
    "7.3": "Faster gains in energy efficiency",
    "7.a": "International cooperation on clean energy",
    "7.b": "Energy infrastructure in developing countries",
    "8.1": "Sustained economic growth",
    "8.2": "Productivity through diversification and innovation",
    "8.3": "Decent jobs, enterprise and small businesses",
    "8.4": "Growth that uses fewer resources and harms less",
    "8.5": "Full employment and equal pay for equal work",
    "8.6": "Fewer young people out of work and out of school",
    "8.7": "End forced labour, trafficking and child labour",
    "8.8": "Labour rights and safe workplaces",
    "8.9": "Sustainable tourism",
    "8.10": "Access to banking and financial services",
    "8.a": "Aid for trade",
    "8.b": "A strategy for youth employment",
    "9.1": "Reliable, resilient infrastructure for all",
    "9.2": "Inclusive, sustainable industry",
    "9.3": "Credit and markets for small enterprises",
    "9.4": "Cleaner, modernised industry",
    "9.5": "Research and innovation",
    "9.a": "Support for infrastructure in developing countries",
    "9.b": "Home-grown technology and industry",
    "9.c": "Access to the internet and information technology",
    "10.1": "Faster income growth for the poorest 40 %",
    "10.2": "Social, economic and political inclusion of all",
    "10.3": "Equal opportunity; end discriminatory laws",
    "10.4": "Fiscal, wage and social policies for equality",
    "10.5": "Better regulation of financial markets",
    "10.6": "A stronger voice for developing countries worldwide",
    "10.7": "Safe, orderly and well-managed migration",
    "10.a": "Special trade treatment for developing countries",
    "10.b": "Aid and investment where the need is greatest",
    "10.c": "Cheaper money transfers by migrants",
    "11.1": "Adequate, affordable housing; better slums",
    "11.2": "Safe, affordable, sustainable transport for all",
    "11.3": "Inclusive, participatory urban planning",
    "11.4": "Protect cultural and natural heritage",
    "11.5": "Fewer deaths and losses from disasters",
    "11.6": "Clean air and waste management in cities",
    "11.7": "Safe, inclusive green and public spaces",
    "11.a": "Links between urban, peri-urban and rural areas",
    "11.b": "Integrated city policies and disaster risk reduction",
    "11.c": "Sustainable buildings in the least developed countries",
    "12.1": "Programmes for sustainable consumption and production",
    "12.2": "Sustainable use of natural resources",
    "12.3": "Halve food waste and reduce food loss",
    "12.4": "Safe handling of chemicals and waste",
    "12.5": "Less waste: prevent, reduce, recycle, reuse",
    "12.6": "Companies reporting on sustainability",
    "12.7": "Sustainable public procurement",
    "12.8": "Awareness of sustainable ways of life",
    "12.a": "Science and technology for sustainable consumption",
    "12.b": "Tracking the effects of sustainable tourism",
    "12.c": "Phase out wasteful fossil-fuel subsidies",
    "13.1": "Resilience to climate hazards and disasters",
    "13.2": "Climate action in policies and plans",
    "13.3": "Climate education and awareness",
    "13.a": "Climate finance as promised",
    "13.b": "Climate planning capacity in the least developed countries",
    "14.1": "Less pollution of the seas",
    "14.2": "Protect marine and coastal ecosystems",
    "14.3": "Limit ocean acidification",
    "14.4": "End overfishing and illegal fishing",
    "14.5": "Conserve coastal and marine areas",
    "14.6": "End fishing subsidies that do harm",
    "14.7": "Benefits from the sustainable use of the sea",
    "14.a": "Marine science and technology",
    "14.b": "Access to resources and markets for small-scale fishers",
    "14.c": "International law of the sea",
    "15.1": "Conserve land and freshwater ecosystems",
    "15.2": "Sustainable forests; stop deforestation",
    "15.3": "Fight desertification; restore degraded land",
    "15.4": "Conserve mountain ecosystems",
    "15.5": "Halt the loss of biodiversity",
    "15.6": "Fair sharing of the benefits of genetic resources",
    "15.7": "End poaching and trafficking of wildlife",
    "15.8": "Keep out invasive alien species",
    "15.9": "Biodiversity in planning and accounts",
    "15.a": "Money for biodiversity and ecosystems",
    "15.b": "Money for sustainable forest management",
    "15.c": "Global support against poaching",
    "16.1": "Less violence and fewer violent deaths",
    "16.2": "End abuse, exploitation and trafficking of children",
    "16.3": "Rule of law and equal access to justice",
    "16.4": "Fewer illicit flows of money and arms",
    "16.5": "Less corruption and bribery",
    "16.6": "Effective, accountable and transparent institutions",
    "16.7": "Responsive, inclusive and participatory decisions",
    "16.8": "Developing countries in global governance",
    "16.9": "Legal identity for all",
    "16.10": "Public access to information; fundamental freedoms",
    "16.a": "Institutions that prevent violence and crime",
    "16.b": "Laws and policies that do not discriminate",
    "17.1": "Domestic revenue and tax collection",
    "17.2": "Development aid as promised",
    "17.3": "More money for developing countries",
    "17.4": "Sustainable debt",
    "17.5": "Investment in the least developed countries",
    "17.6": "Cooperation on science, technology and innovation",
    "17.7": "Spread of environmentally sound technologies",
    "17.8": "Technology bank and digital capacity",
    "17.9": "Capacity building for the goals",
    "17.10": "A fair, rules-based trading system",
    "17.11": "More exports from developing countries",
    "17.12": "Market access for the least developed countries",
    "17.13": "Global economic stability",
    "17.14": "Policies that pull together",
    "17.15": "Respect for each country's policy choices",
    "17.16": "Global partnership for sustainable development",
    "17.17": "Public, public-private and civil society partnerships",
    "17.18": "Better data, broken down by group",
    "17.19": "Measures of progress beyond GDP",
}
assert tuple(_TARGET_LABELS) == TARGETS, "one label for each target, in order"


def target_label(target_id: str) -> str:
    """The project's short label for a target; raises KeyError for a non-target."""
    return _TARGET_LABELS[target_id]


_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


def load_target_texts(path: str | Path) -> dict[str, dict[str, str]]:
    """Read official target texts, ``{target: {lang: text}}``, from an operator's file.

    Accepted: JSON as ``{"11.2": {"en": "...", "es": "..."}}`` or as a list of
    ``{"target", "lang", "text"}`` objects; CSV with a ``target`` column and one
    column per language, or with ``target,lang,text`` columns. Unknown targets,
    malformed language tags and empty texts are refused with their place in the file.
    """
    path = Path(path)
    raw = path.read_text(encoding="utf-8-sig")
    rows: list[tuple[object, object, object, str]] = []  # target, lang, text, where
    if path.suffix.lower() == ".json":
        data = json.loads(raw)
        if isinstance(data, dict):
            for target, by_lang in data.items():
                if not isinstance(by_lang, dict):
                    raise ValueError(f"{path}: {target!r} should map languages to texts")
                rows += [(target, lang, text, f"{target}.{lang}") for lang, text in by_lang.items()]
        elif isinstance(data, list):
            for n, item in enumerate(data):
                if not isinstance(item, dict):
                    raise ValueError(f"{path}: item {n} is not an object")
                rows.append((item.get("target"), item.get("lang"), item.get("text"), f"item {n}"))
        else:
            raise ValueError(f"{path}: expected a JSON object or list")
    else:
        reader = csv.DictReader(io.StringIO(raw))
        columns = reader.fieldnames or []
        if "target" not in columns:
            raise ValueError(f"{path}: the CSV needs a `target` column")
        long_form = {"lang", "text"} <= set(columns)
        for n, row in enumerate(reader, start=2):
            if long_form:
                rows.append((row["target"], row["lang"], row["text"], f"line {n}"))
            else:
                rows += [
                    (row["target"], lang, row[lang], f"line {n}")
                    for lang in columns
                    if lang != "target" and row.get(lang)
                ]
    texts: dict[str, dict[str, str]] = {}
    for target, lang, text, where in rows:
        if not isinstance(target, str) or not is_target(target.strip()):
            raise ValueError(f"{path}, {where}: {target!r} is not an SDG target")
        if not isinstance(lang, str) or not _LANG.match(lang.strip()):
            raise ValueError(f"{path}, {where}: {lang!r} is not a language tag")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{path}, {where}: the text is empty")
        texts.setdefault(target.strip(), {})[lang.strip()] = text.strip()
    return texts

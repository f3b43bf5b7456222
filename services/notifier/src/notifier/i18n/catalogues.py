"""The gettext catalogues: where they live, which language each holds, how they load.

The ``.po`` files are the source of truth and are committed; nothing binary is.
Each catalogue is compiled in memory with Babel the first time a page in its
language is drawn, so an edited ``.po`` shows on the next start without a build
step. English is the language of the code and needs no catalogue.
"""

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from periplus.sdg import LANGUAGES

DOMAIN = "notifier"
FOLDER = Path(__file__).parent / "locales"
TEMPLATE = FOLDER / f"{DOMAIN}.pot"
# The reader's choice (``?lang=pt``) and the catalogue that speaks it: the
# Portuguese strings are Brazilian ("registro", "cúpula", "hospedagem").
LOCALES = {"en": "en", "es": "es", "fr": "fr", "pt": "pt_BR"}
# Language tags (BCP 47) for ``lang``, ``xml:lang`` and ``Content-Language``.
TAGS = {code: locale.replace("_", "-") for code, locale in LOCALES.items()}


def catalogue_path(lang: str) -> Path:
    """The ``.po`` file of a language that has one."""
    return FOLDER / LOCALES[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The language's compiled catalogue; the messages themselves for English."""
    if lang not in LANGUAGES or lang == "en":
        return gettext.NullTranslations()
    with catalogue_path(lang).open("rb") as source:
        catalog = read_po(source, locale=LOCALES[lang], domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)

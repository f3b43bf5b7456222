"""The notifier's words in the reader's language, through gettext.

Code and templates call gettext's own four functions on a ``Words`` (so that
``pybabel extract`` finds every message with its default keywords); each fills
the message's ``{placeholders}`` after translation. A count picks its plural
form by the catalogue's CLDR rule, on its absolute value, and is shown in the
language's digits as ``{count}`` unless the caller gives ``count`` itself.
"""

from functools import cache
from typing import NamedTuple

from babel import Locale
from babel.numbers import format_decimal

from notifier.i18n.catalogues import LOCALES, TAGS, translations
from notifier.i18n.locale import DEFAULT
from periplus.sdg import LANGUAGES


class Message(NamedTuple):
    """A message listed in one place and translated where it is shown."""

    context: str | None
    text: str


class _Marks:
    """Marks a message for extraction where it is listed; ``Words.word`` translates it."""

    @staticmethod
    def gettext(message: str) -> Message:
        return Message(None, message)

    @staticmethod
    def pgettext(context: str, message: str) -> Message:
        return Message(context, message)


mark = _Marks()


def _fill(template: str, values: dict[str, object]) -> str:
    return template.format(**values) if values else template


class Words:
    """gettext for one language, with placeholders filled."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT
        self.tag = TAGS[self.lang]
        self.locale = Locale.parse(LOCALES[self.lang])
        self.name = str(self.locale.get_display_name())  # in itself: "português (Brasil)"
        self._catalogue = translations(self.lang)

    def gettext(self, message: str, /, **values: object) -> str:
        return _fill(self._catalogue.gettext(message), values)

    def pgettext(self, context: str, message: str, /, **values: object) -> str:
        return _fill(self._catalogue.pgettext(context, message), values)

    def ngettext(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        values.setdefault("count", format_decimal(count, locale=self.locale))
        return _fill(self._catalogue.ngettext(singular, plural, abs(count)), values)

    def npgettext(
        self, context: str, singular: str, plural: str, count: int, /, **values: object
    ) -> str:
        values.setdefault("count", format_decimal(count, locale=self.locale))
        found = self._catalogue.npgettext(context, singular, plural, abs(count))
        return _fill(found, values)

    def word(self, message: Message, /, **values: object) -> str:
        """A message listed with ``mark``, in this language."""
        if message.context is None:
            return self.gettext(message.text, **values)
        return self.pgettext(message.context, message.text, **values)

    def coded(self, table: dict[str, Message], code: object) -> str:
        """The word a table lists for a code the data carries; an unknown code as it is."""
        message = table.get(str(code))
        return self.word(message) if message is not None else str(code)


@cache
def words(lang: str) -> Words:
    """The reader's words; one ``Words`` per language, shared."""
    return Words(lang)

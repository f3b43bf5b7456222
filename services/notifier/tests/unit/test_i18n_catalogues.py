"""The gettext catalogues: current with the code, complete in every language, CLDR's plurals.

The template is extracted afresh with the command the README prints, so a message
added to the code and not to the catalogues fails here, as does a placeholder a
translation lost or a plural rule that is not the language's.
"""

import re
import shlex
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from notifier.i18n.catalogues import LOCALES, TEMPLATE, catalogue_path, translations
from notifier.i18n.words import words

ROOT = Path(__file__).resolve().parents[4]
README = ROOT / "services" / "notifier" / "README.md"
TRANSLATED = ("es", "fr", "pt")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
CATEGORIES = ("one", "many", "other")  # the order of msgstr[0..2] in every catalogue


def _read(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source)


def _texts(value: object) -> tuple[str, ...]:
    """A message's id or strings as a tuple, singular or plural alike."""
    return tuple(value) if isinstance(value, tuple | list) else (str(value or ""),)


def _messages(catalog: Catalog) -> dict[tuple[str | None, str], Message]:
    return {(m.context, _texts(m.id)[0]): m for m in catalog if m.id}


def _readme_command(verb: str) -> list[str]:
    """The README's ``pybabel <verb>`` command, as arguments."""
    found = re.search(rf"^\./periplus pybabel {verb} (.+)$", README.read_text(), re.M)
    assert found is not None, f"the README prints no pybabel {verb} command"
    return [verb, *shlex.split(found.group(1))]


def test_the_template_holds_every_message_of_the_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    arguments = _readme_command("extract")
    output = arguments.index("-o") + 1
    arguments[output] = str(tmp_path / "fresh.pot")
    CommandLineInterface().run(["pybabel", "-q", *arguments])  # type: ignore[no-untyped-call]
    fresh, committed = _messages(_read(tmp_path / "fresh.pot")), _messages(_read(TEMPLATE))
    assert sorted(fresh, key=str) == sorted(committed, key=str)
    for key, message in fresh.items():
        assert committed[key].id == message.id, key
        assert committed[key].auto_comments == message.auto_comments, key


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_catalogue_translates_every_message(lang: str) -> None:
    template, catalog = _messages(_read(TEMPLATE)), _read(catalogue_path(lang))
    found = _messages(catalog)
    assert sorted(found, key=str) == sorted(template, key=str)
    assert not catalog.obsolete
    for key, message in found.items():
        assert not message.fuzzy, key
        strings = _texts(message.string)
        assert all(strings), key
        if message.pluralizable:
            assert len(strings) == catalog.num_plurals == len(CATEGORIES), key


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_every_placeholder(lang: str) -> None:
    for key, message in _messages(_read(catalogue_path(lang))).items():
        wanted = set(PLACEHOLDER.findall(_texts(message.id)[-1]))
        for string in _texts(message.string):
            assert set(PLACEHOLDER.findall(string)) == wanted, (key, string)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_plural_forms_follow_cldr(lang: str) -> None:
    rule = Locale.parse(LOCALES[lang]).plural_form
    compiled = translations(lang)
    for count in [*range(0, 2001), 1_000_000, 1_500_000, 2_000_000, 10**9]:
        form = compiled.plural(count)  # type: ignore[attr-defined]
        assert CATEGORIES[form] == rule(count), (lang, count)


def test_portuguese_is_labelled_brazilian() -> None:
    said = words("pt")
    assert (said.tag, LOCALES["pt"]) == ("pt-BR", "pt_BR")
    catalog = _read(catalogue_path("pt"))
    assert str(catalog.locale) == "pt_BR"
    # Brazilian words, not European ones ("registo", "cimeira", "alojamento").
    assert said.gettext("Ledger entries") == "Entradas do registro"
    assert said.pgettext("trip category", "summit or conference") == "cúpula ou conferência"
    assert said.pgettext("cost item", "Lodging") == "Hospedagem"
    assert Locale.parse(LOCALES["pt"]).get_display_name() == "português (Brasil)"

"""The SDG catalogue: goals, target ids, labels, and importing official target texts."""

import json
from pathlib import Path

import pytest

from periplus import sdg


def test_the_catalogue_has_17_goals_and_169_targets_each_labelled() -> None:
    assert sorted(sdg.GOALS) == list(range(1, 18))
    assert len(sdg.TARGETS) == 169
    assert len(set(sdg.TARGETS)) == 169
    assert all(sdg.target_label(t) for t in sdg.TARGETS)
    assert sdg.target_label("11.2") == "Safe, affordable, sustainable transport for all"
    assert sdg.goal_of("11.a") == 11
    assert sdg.GOALS[11].name("es") == "Ciudades y comunidades sostenibles"
    with pytest.raises(KeyError):
        sdg.target_label("11.9")


def test_official_texts_load_from_json_in_either_shape(tmp_path: Path) -> None:
    mapping = tmp_path / "texts.json"
    mapping.write_text(json.dumps({"11.2": {"en": "Official A.", "es": "Oficial A."}}))
    assert sdg.load_target_texts(mapping) == {"11.2": {"en": "Official A.", "es": "Oficial A."}}
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([{"target": "17.17", "lang": "pt", "text": "Oficial B."}]))
    assert sdg.load_target_texts(listed) == {"17.17": {"pt": "Oficial B."}}


def test_official_texts_load_from_wide_and_long_csv(tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text('target,en,fr\n11.2,"Official, with a comma.",Officiel.\n1.1,Only English,\n')
    assert sdg.load_target_texts(wide) == {
        "11.2": {"en": "Official, with a comma.", "fr": "Officiel."},
        "1.1": {"en": "Only English"},
    }
    long = tmp_path / "long.csv"
    long.write_text("target,lang,text\n11.2,es,Oficial.\n11.2,pt-BR,Oficial BR.\n")
    assert sdg.load_target_texts(long) == {"11.2": {"es": "Oficial.", "pt-BR": "Oficial BR."}}


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ("target,en\n18.1,Nope\n", ".csv", "line 2: '18.1' is not an SDG target"),
        ("target,lang,text\n11.2,english,X\n", ".csv", "not a language tag"),
        ("target,lang,text\n11.2,en,\n", ".csv", "the text is empty"),
        ("name,en\n11.2,X\n", ".csv", "needs a `target` column"),
        ('{"11.2": "just text"}', ".json", "should map languages"),
        ("[1]", ".json", "item 0 is not an object"),
    ],
)
def test_bad_files_are_refused_with_the_place(
    tmp_path: Path, content: str, suffix: str, message: str
) -> None:
    path = tmp_path / f"texts{suffix}"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        sdg.load_target_texts(path)

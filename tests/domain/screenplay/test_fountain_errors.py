"""Spec suite for the Fountain parser, continued: what is refused (always naming the line), the
round trip through JSON, and the example screenplays."""

from __future__ import annotations

import json
import pickle

import pytest

from film_assets.domain.screenplay.fountain import FountainError, Screenplay, parse_fountain
from tests.conftest import EXAMPLES

# --- errors -------------------------------------------------------------------------------


def error(source, source_name="screenplay.fountain") -> FountainError:
    with pytest.raises(FountainError) as caught:
        parse_fountain(source, source_name)
    return caught.value


@pytest.mark.parametrize("source", ["", "   \n\t\n", b"", b"\xef\xbb\xbf\r\n"])
def test_empty_input_is_refused_on_line_1(source):
    err = error(source)
    assert (err.line, err.message) == (1, "the screenplay is empty")
    assert isinstance(err, ValueError)


def test_error_message_names_source_and_line():
    err = error("", source_name="night_shift.fountain")
    assert str(err) == "night_shift.fountain line 1: the screenplay is empty"
    assert err.source_name == "night_shift.fountain"
    assert str(pickle.loads(pickle.dumps(err))) == str(err)


def test_binary_input_is_refused_with_line():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
    err = error(png)
    assert err.line == 1 and err.message.startswith("not a text screenplay")


def test_invalid_utf8_names_the_line_of_the_bad_byte():
    err = error(b"INT. A - DAY\n\nCaf\xe9 au lait.\n")
    assert err.line == 3 and err.message.startswith("not a text screenplay")


def test_nul_bytes_are_refused_with_their_line():
    err = error("INT. A - DAY\n\nHi\x00there\n")
    assert err.line == 3 and err.message.startswith("not a text screenplay")


def test_script_without_scene_heading_is_refused():
    err = error("Title: Draft\n\nJust some action.\n\nBOB\nHi.\n")
    assert err.line == 1
    assert "no scene heading" in err.message
    for example in ("INT.", "EXT.", "EST.", "I/E", ".HEADING"):
        assert example in err.message


def test_dual_dialogue_without_preceding_cue_is_refused():
    err = error("INT. A - DAY\n\nRain.\n\nSTEEL ^\nScrew retirement.\n")
    assert err.line == 5
    assert "dual-dialogue marker ^ without a preceding character cue" in err.message


def test_dual_dialogue_does_not_pair_across_scenes():
    err = error("INT. A - DAY\n\nBRICK\nHi.\n\nINT. B - DAY\n\nSTEEL ^\nHi.\n")
    assert err.line == 8


def test_unclosed_boneyard_names_its_opening_line():
    err = error("INT. A - DAY\n\nKept.\n\n/* never closed\n\nmore\n")
    assert err.line == 5 and "boneyard" in err.message


def test_unclosed_note_names_its_opening_line():
    err = error("INT. A - DAY\n\nKept.\n\nAction [[never closed\n\nmore\n")
    assert err.line == 5 and "note" in err.message


# --- serialisation and examples -----------------------------------------------------------


def test_round_trip_to_dict_and_json():
    script = parse_fountain((EXAMPLES / "night_shift.fountain").read_bytes(), "night_shift.fountain")
    data = script.to_dict()
    assert isinstance(data["scenes"], list) and isinstance(data["scenes"][0]["elements"], list)
    again = Screenplay.from_dict(json.loads(json.dumps(data)))
    assert again == script
    assert again.to_dict() == data


@pytest.mark.parametrize("name", ["night_shift.fountain", "lighthouse.fountain"])
def test_example_screenplays_parse(name):
    script = parse_fountain((EXAMPLES / name).read_bytes(), name)
    assert len(script.scenes) >= 4
    assert {"title", "credit", "author", "draft date"} <= set(script.title_page)
    assert script.dialogue_count >= 8
    assert any(not c.isascii() for name in script.characters for c in name)


def test_examples_exercise_the_whole_syntax():
    scripts = [parse_fountain((EXAMPLES / n).read_bytes(), n) for n in ("night_shift.fountain", "lighthouse.fountain")]
    elements = [e for s in scripts for e in (*s.preamble, *(e for sc in s.scenes for e in sc.elements))]
    scenes = [sc for s in scripts for sc in s.scenes]
    texts = {(e.kind, e.text) for e in elements}
    assert {("transition", "FADE IN:"), ("transition", "CUT TO:"), ("centered", "THE END")} <= texts
    assert any(e.kind == "transition" and e.forced for e in elements)
    assert any(e.kind == "action" and e.forced for e in elements)
    assert any(e.kind == "dialogue" and e.forced for e in elements)
    assert {"V.O.", "O.S.", "CONT'D"} <= {x for e in elements for x in e.extensions}
    assert sum(e.dual for e in elements) == 2
    assert {p.kind for e in elements for p in e.parts} == {"speech", "parenthetical", "lyric"}
    assert {"section", "synopsis"} <= {e.kind for e in elements}
    assert any(s.notes for s in scripts)
    assert any(sc.number == "1" for sc in scenes) and any(sc.int_ext == "" for sc in scenes)
    assert {"INT", "EXT"} <= {sc.int_ext for sc in scenes}
    assert {"DAY", "NIGHT", "DAWN", "DUSK"} <= {sc.time_of_day for sc in scenes}
    assert all("/*" in (EXAMPLES / n).read_text() for n in ("night_shift.fountain", "lighthouse.fountain"))

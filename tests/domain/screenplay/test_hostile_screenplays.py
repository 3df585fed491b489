"""Screenplays made to hurt the parser: each is parsed, or refused with a FountainError naming why
and where, without reading the rest. The inputs are at the size the API accepts (2 MiB), so a
parse that turned quadratic would take minutes here and show at the top of the durations;
bench/hostile_input_bench.py measures the times and memory."""

from __future__ import annotations

import pytest

from film_assets.domain.projects.ids import slugify
from film_assets.domain.screenplay.document import FountainError
from film_assets.domain.screenplay.fountain import MAX_SCENES, parse_fountain
from film_assets.domain.screenplay.fountain_text import MAX_LINES

HEAD = "INT. DINER - NIGHT\n\n"


def test_two_mebibytes_on_one_line_is_one_action():
    script = parse_fountain(HEAD + "rain " * (2 * 1024 * 1024 // 5))
    [scene] = script.scenes
    assert len(scene.elements) == 1 and scene.elements[0].kind == "action"


def test_too_many_lines_is_refused_at_the_first_line_too_many():
    with pytest.raises(FountainError, match=f"line {MAX_LINES + 1}: too long: 2,000,004 lines"):
        parse_fountain(HEAD + "Hi.\n" + "\n" * 2_000_000)


def test_too_many_scenes_is_refused_at_the_first_scene_too_many():
    scenes = "".join(f"INT. ROOM {i} - DAY\n\nShe waits.\n\n" for i in range(MAX_SCENES + 500))
    with pytest.raises(FountainError, match=f"line {4 * MAX_SCENES + 1}: too many scenes"):
        parse_fountain(scenes)


@pytest.mark.parametrize(
    "body, message",
    [("/* " + "bones\n" * 20_000, "unclosed boneyard"), ("[[ " + "a note\n" * 20_000, "unclosed note")],
)
def test_an_unterminated_boneyard_or_note_names_the_line_it_opens_on(body, message):
    with pytest.raises(FountainError, match=f"line 3: {message}"):
        parse_fountain(HEAD + body)


def test_deeply_nested_boneyard_and_notes_are_read_in_one_pass():
    boneyard = parse_fountain(HEAD + "/* " * 100_000 + "x" + " */" * 100_000 + "\n")
    notes = parse_fountain(HEAD + "Rain. " + "[[ " * 100_000 + "x" + " ]]" * 100_000 + "\n")
    # the first */ closes the boneyard and the rest is text, as Fountain has no nesting
    assert boneyard.scenes[0].elements[0].text.strip().startswith("*/ */")
    assert notes.scenes[0].elements[0].text.startswith("Rain.") and notes.notes


def test_a_line_of_unmatched_emphasis_markers_is_left_as_it_is():
    line = "a * b _ " * 150_000
    [element] = parse_fountain(HEAD + line + "\n").scenes[0].elements
    assert element.text.count("*") == 150_000 and element.text.count("_") == 150_000


def test_control_characters_are_refused_at_their_line_or_kept_as_text():
    with pytest.raises(FountainError, match="line 4: not a text screenplay: it contains NUL bytes"):
        parse_fountain(HEAD + "Hi.\nthere\x00\n")
    controls = "".join(chr(c) for c in range(1, 32) if c not in (10, 13))
    [element] = parse_fountain(HEAD + f"Bell {controls} rings.\n").scenes[0].elements
    assert element.text.startswith("Bell")


def test_right_to_left_text_and_combining_marks_survive():
    hebrew = "\u05e9\u05dc\u05d5\u05dd"
    marked = "e\u0301" * 10_000  # each letter with a combining acute accent
    script = parse_fountain(f"Title: {hebrew}\n\nINT. \u05d1\u05d9\u05ea - DAY\n\nDANA\n{hebrew} {marked}\n")
    assert script.title_page["title"] == hebrew
    [line] = [e for e in script.scenes[0].elements if e.kind == "dialogue"]
    assert line.text == f"{hebrew} {marked}"


def test_a_title_that_slugs_to_nothing_still_names_a_project():
    script = parse_fountain("Title: !!! ??? \u05e9\u05dc\u05d5\u05dd\n\n" + HEAD + "Hi.\n")
    assert slugify(script.title_page["title"]) == "untitled"

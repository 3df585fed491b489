"""Spec suite for the Fountain parser: what a writer types, and what the pipeline gets back.

Each test names a promise the product makes about a screenplay, with concrete line numbers,
because errors and lineage point writers at the line they typed.
"""

from __future__ import annotations

import json

import pytest

from film_assets.domain.screenplay.fountain import (
    DialoguePart,
    Element,
    Note,
    parse_fountain,
)


def body(text: str) -> tuple[Element, ...]:
    """Elements of the first scene of a script whose line 1 is a heading and line 2 blank."""
    return parse_fountain("INT. ROOM - DAY\n\n" + text).scenes[0].elements


def only(text: str) -> Element:
    (element,) = body(text)
    return element


# --- title page ---------------------------------------------------------------------------


def test_title_page_keys_are_lowercased_and_multiline_values_joined():
    script = parse_fountain(
        "Title:\n    _**BRICK & STEEL**_\n    _**FULL RETIRED**_\n"
        "Credit: Written by\nAuthor: Stu Maschwitz\nDraft date: 1/20/2012\n"
        "Contact:\n    Next Level Productions\n    1588 Mission Dr.\n\n"
        "EXT. BRICK'S PATIO - DAY\n\nA gorgeous day.\n"
    )
    assert script.title_page == {
        "title": "BRICK & STEEL\nFULL RETIRED",
        "credit": "Written by",
        "author": "Stu Maschwitz",
        "draft date": "1/20/2012",
        "contact": "Next Level Productions\n1588 Mission Dr.",
    }
    assert script.title == "BRICK & STEEL\nFULL RETIRED"
    assert script.scenes[0].line == 11


def test_title_falls_back_to_file_stem_without_title_page():
    script = parse_fountain("INT. ROOM - DAY\n\nQuiet.\n", source_name="scripts/night_shift.fountain")
    assert script.title_page == {}
    assert script.title == "night_shift"


def test_fade_in_alone_is_not_a_title_page_but_a_transition():
    script = parse_fountain("FADE IN:\n\nINT. ROOM - DAY\n\nQuiet.\n")
    assert script.title_page == {}
    assert script.preamble == (Element("transition", "FADE IN:", 1),)


# --- scene headings -----------------------------------------------------------------------


def test_scene_heading_splits_int_ext_location_and_time():
    scene = parse_fountain("\nINT. DINER KITCHEN - NIGHT\n\nSteam.\n").scenes[0]
    assert (scene.heading, scene.line) == ("INT. DINER KITCHEN - NIGHT", 2)
    assert (scene.int_ext, scene.location, scene.time_of_day) == ("INT", "DINER KITCHEN", "NIGHT")
    assert scene.number is None and scene.index == 0


@pytest.mark.parametrize(
    "prefix, expected",
    [
        ("INT.", "INT"),
        ("EXT.", "EXT"),
        ("EST.", "EST"),
        ("int.", "INT"),
        ("INT", "INT"),
        ("INT./EXT.", "INT/EXT"),
        ("INT/EXT", "INT/EXT"),
        ("I/E", "INT/EXT"),
    ],
)
def test_scene_heading_prefixes_are_normalised(prefix, expected):
    scene = parse_fountain(f"{prefix} HARBOUR - DAWN\n\nFog.\n").scenes[0]
    assert (scene.int_ext, scene.location, scene.time_of_day) == (expected, "HARBOUR", "DAWN")


def test_scene_heading_prefix_without_space_after_dot():
    scene = parse_fountain("INT.ATTIC - DAY\n\nDust.\n").scenes[0]
    assert (scene.int_ext, scene.location) == ("INT", "ATTIC")


def test_title_page_missing_its_blank_line_does_not_swallow_the_first_scene():
    script = parse_fountain("Title: Rushed\nEXT. DOCK - DUSK\n\nGulls.\n")
    assert script.title_page == {"title": "Rushed"}
    assert (script.scenes[0].heading, script.scenes[0].line) == ("EXT. DOCK - DUSK", 2)


def test_scene_heading_with_scene_number():
    scene = parse_fountain("INT. HOUSE - DAY #1A#\n\nQuiet.\n").scenes[0]
    assert (scene.heading, scene.number, scene.time_of_day) == ("INT. HOUSE - DAY", "1A", "DAY")


def test_time_of_day_is_text_after_last_dash_and_empty_when_absent():
    scenes = parse_fountain("EXT. ROAD - BRIDGE - DUSK\n\nCars.\n\nEXT. FIELD\n\nGrass.\n").scenes
    assert (scenes[0].location, scenes[0].time_of_day) == ("ROAD - BRIDGE", "DUSK")
    assert (scenes[1].location, scenes[1].time_of_day) == ("FIELD", "")


def test_forced_scene_heading_has_no_int_ext():
    scene = parse_fountain(".SNIPER SCOPE POV - NIGHT\n\nCrosshairs.\n").scenes[0]
    assert (scene.heading, scene.int_ext, scene.location, scene.time_of_day) == (
        "SNIPER SCOPE POV - NIGHT",
        "",
        "SNIPER SCOPE POV",
        "NIGHT",
    )


def test_ellipsis_and_lookalike_words_do_not_start_a_scene():
    elements = body("...and then silence.\n\nINTERIOR design magazines everywhere.\n\nESTABLISHING nothing.\n")
    assert [e.kind for e in elements] == ["action", "action", "action"]
    assert elements[0].text == "...and then silence."


def test_heading_needs_a_blank_line_before_it():
    (action,) = body("He reads the sign:\nINT. NOT A SCENE\n")
    assert action.text == "He reads the sign:\nINT. NOT A SCENE"


def test_elements_before_first_heading_are_preamble():
    script = parse_fountain("FADE IN:\n\nBlack screen.\n\nEXT. SEA - NIGHT\n\nWaves.\n")
    assert [(e.kind, e.text, e.line) for e in script.preamble] == [
        ("transition", "FADE IN:", 1),
        ("action", "Black screen.", 3),
    ]
    assert [e.text for e in script.scenes[0].elements] == ["Waves."]


# --- action -------------------------------------------------------------------------------


def test_action_paragraph_keeps_lines_and_indentation_without_trailing_space():
    element = only("She waits.   \n\tThe clock ticks.\n")
    assert (element.kind, element.text, element.line, element.forced) == (
        "action",
        "She waits.\n\tThe clock ticks.",
        3,
        False,
    )


def test_forced_action_keeps_caps_line_out_of_dialogue():
    element = only("!BANG.\nThe door flies open.\n")
    assert (element.kind, element.text, element.forced, element.line) == (
        "action",
        "BANG.\nThe door flies open.",
        True,
        3,
    )


def test_two_space_line_keeps_action_together():
    element = only("First beat.\n  \nSecond beat.\n")
    assert (element.kind, element.text) == ("action", "First beat.\n\nSecond beat.")


# --- dialogue -----------------------------------------------------------------------------


def test_character_cue_with_dialogue_lines():
    element = only("STEEL\nBeer's ready!\nCome get it.\n")
    assert (element.kind, element.character, element.line) == ("dialogue", "STEEL", 3)
    assert element.text == "Beer's ready! Come get it."
    assert element.parts == (DialoguePart("speech", "Beer's ready!", 4), DialoguePart("speech", "Come get it.", 5))


def test_caps_line_followed_by_blank_is_action_not_a_cue():
    assert [e.kind for e in body("SILENCE.\n\nNothing moves.\n")] == ["action", "action"]


def test_cue_extensions_are_kept_in_order():
    voice, offscreen, more = body(
        "NARRATOR (V.O.)\nIt was late.\n\nHAL (O.S.)\nWe're closed!\n\nHAL (O.S.) (CONT'D)\nReally.\n"
    )
    assert (voice.character, voice.extensions) == ("NARRATOR", ("V.O.",))
    assert (offscreen.character, offscreen.extensions) == ("HAL", ("O.S.",))
    assert (more.character, more.extensions) == ("HAL", ("O.S.", "CONT'D"))


def test_cue_extension_may_be_lower_case():
    element = only("HANS (on the radio)\nWhat was it you said?\n")
    assert (element.character, element.extensions) == ("HANS", ("on the radio",))


def test_forced_cue_allows_mixed_case_name():
    element = only("@McCLANE\nYippie ki-yay!\n")
    assert (element.kind, element.character, element.forced, element.text) == (
        "dialogue",
        "McCLANE",
        True,
        "Yippie ki-yay!",
    )


def test_unicode_character_names():
    tomas, zoe, ohara = body("TOMÁS (V.O.)\nThe light is good.\n\nZOË\nGood.\n\nMRS. O'HARA\nHush.\n")
    assert (tomas.character, tomas.extensions) == ("TOMÁS", ("V.O.",))
    assert (zoe.character, ohara.character) == ("ZOË", "MRS. O'HARA")
    assert parse_fountain("INT. A - DAY\n\nTOMÁS\nHi.\n\nZOË\nHi.\n\nTOMÁS\nBye.\n").characters == ("TOMÁS", "ZOË")


def test_parentheticals_are_parts_of_the_dialogue():
    element = only("ZOË\n(whispering)\nHe's here.\n(beat)\nDon't look.\n")
    assert element.parts == (
        DialoguePart("parenthetical", "(whispering)", 4),
        DialoguePart("speech", "He's here.", 5),
        DialoguePart("parenthetical", "(beat)", 6),
        DialoguePart("speech", "Don't look.", 7),
    )
    assert element.text == "He's here. Don't look."


def test_parenthetical_wrapped_over_two_lines_is_one_part():
    element = only("HAL\n(wiping the grill,\nnot looking up)\nNo.\n")
    assert element.parts[0] == DialoguePart("parenthetical", "(wiping the grill, not looking up)", 4)
    assert element.parts[1] == DialoguePart("speech", "No.", 6)


def test_two_space_line_keeps_dialogue_going():
    element = only("DEALER\nTen.\n  \nTwenty.\n")
    assert element.kind == "dialogue"
    assert [(p.text, p.line) for p in element.parts] == [("Ten.", 4), ("Twenty.", 6)]


def test_dual_dialogue_marks_both_blocks():
    first, second = body("BRICK\nScrew retirement.\n\nSTEEL ^\nScrew retirement.\n")
    assert (first.character, first.dual, second.character, second.dual) == ("BRICK", True, "STEEL", True)
    assert second.line == 6


def test_dual_dialogue_leaves_other_blocks_single():
    elements = body("A\nOne.\n\nB\nTwo.\n\nC ^\nThree.\n")
    assert [(e.character, e.dual) for e in elements] == [("A", False), ("B", True), ("C", True)]


def test_lyric_lines_inside_dialogue():
    element = only("ZOË\n~Keep the coffee warm,\n~keep the neon on.\n")
    assert element.parts == (
        DialoguePart("lyric", "Keep the coffee warm,", 4),
        DialoguePart("lyric", "keep the neon on.", 5),
    )


# --- other elements -----------------------------------------------------------------------


def test_transition_is_caps_line_ending_in_to_between_blank_lines():
    element = body("Rain.\n\nCUT TO:\n\nSun.\n")[1]
    assert (element.kind, element.text, element.line, element.forced) == ("transition", "CUT TO:", 5, False)


def test_forced_transition():
    element = only("> Burn to white.\n")
    assert (element.kind, element.text, element.forced) == ("transition", "Burn to white.", True)


def test_centered_text_is_not_a_transition():
    element = only(">THE END<\n")
    assert (element.kind, element.text, element.line) == ("centered", "THE END", 3)
    assert only("> INTERMISSION <\n").text == "INTERMISSION"


def test_lyrics_outside_dialogue_form_one_element():
    element = only("~Willy Wonka! Willy Wonka!\n~The amazing chocolatier!\n")
    assert (element.kind, element.text, element.line) == (
        "lyric",
        "Willy Wonka! Willy Wonka!\nThe amazing chocolatier!",
        3,
    )


def test_sections_set_the_enclosing_section_of_scenes():
    script = parse_fountain(
        "# Act One\n\nINT. A - DAY\n\nOne.\n\n## The Diner\n\nINT. B - NIGHT\n\nTwo.\n\n"
        "# Act Two\n\nEXT. C - DAWN\n\nThree.\n"
    )
    assert script.preamble == (Element("section", "Act One", 1, level=1),)
    assert [s.section for s in script.scenes] == ["Act One", "The Diner", "Act Two"]
    assert script.scenes[0].elements[-1] == Element("section", "The Diner", 7, level=2)


def test_synopsis_after_heading_is_scene_synopsis():
    scene = parse_fountain("INT. A - DAY\n\n= Zoë decides to leave.\n\nShe packs.\n").scenes[0]
    assert scene.synopses == ("Zoë decides to leave.",)
    assert scene.elements[0] == Element("synopsis", "Zoë decides to leave.", 3)
    assert scene.elements[1].kind == "action"


def test_page_break_is_three_equals_signs():
    elements = body("Before.\n\n===\n\nAfter.\n")
    assert [(e.kind, e.line) for e in elements] == [("action", 3), ("page_break", 5), ("action", 7)]


def test_emphasis_is_stripped_and_escapes_kept():
    element = only("*Italic*, **bold**, ***both***, _under_ and snake_case.\n")
    assert element.text == "Italic, bold, both, under and snake_case."
    assert only("Price: 5\\*2 = \\_ten\\_ * stars.\n").text == "Price: 5*2 = _ten_ * stars."


# --- notes and boneyard -------------------------------------------------------------------


def test_notes_are_metadata_never_shown():
    script = parse_fountain(
        "INT. A - DAY\n\nHe enters [[check the door colour]] and sits.\n\nSTEEL\nHello [[say it softer]].\n"
    )
    action, line = script.scenes[0].elements
    assert action.text == "He enters and sits."
    assert action.notes == (Note("check the door colour", 3),)
    assert line.text == "Hello." and line.parts[0].text == "Hello."
    assert line.notes == (Note("say it softer", 6),)
    assert script.notes == (Note("check the door colour", 3), Note("say it softer", 6))
    assert "[[" not in json.dumps(script.to_dict()["scenes"][0]["elements"][0]["text"])


def test_note_spanning_lines_keeps_following_line_numbers():
    elements = body("She turns. [[Is this\nthe right\nbeat?]] Then runs.\n\nHAL\nGo.\n")
    assert elements[0].text == "She turns. Then runs."
    assert elements[0].notes == (Note("Is this\nthe right\nbeat?", 3),)
    assert (elements[1].line, elements[1].parts[0].line) == (7, 8)


def test_note_on_heading_and_standalone_note():
    script = parse_fountain("INT. A - NIGHT [[shoot at dusk]]\n\n[[rain all scene]]\n\nRain.\n")
    scene = script.scenes[0]
    assert (scene.heading, scene.notes) == ("INT. A - NIGHT", (Note("shoot at dusk", 1),))
    assert scene.elements == (Element("action", "Rain.", 5, notes=(Note("rain all scene", 3),)),)


def test_boneyard_is_dropped_and_line_numbers_hold():
    elements = body("Kept.\n\n/* An old\n\nscene that\nwas cut */\n\nAlso kept.\n\nHAL\nOne /* cut */ two.\n")
    assert [(e.kind, e.text, e.line) for e in elements] == [
        ("action", "Kept.", 3),
        ("action", "Also kept.", 10),
        ("dialogue", "One two.", 12),
    ]


def test_boneyard_line_inside_dialogue_does_not_split_it():
    element = only("HAL\nFirst.\n/* Second. */\nThird.\n")
    assert [(p.text, p.line) for p in element.parts] == [("First.", 4), ("Third.", 6)]


# --- encodings ----------------------------------------------------------------------------


def test_windows_line_endings_and_bom_are_accepted():
    script = parse_fountain("\ufeffTitle: Crlf\r\n\r\nINT. A - DAY\r\n\r\nZOË\r\nHi.\r\n".encode())
    assert script.title == "Crlf"
    assert (script.scenes[0].line, script.scenes[0].elements[0].parts[0]) == (3, DialoguePart("speech", "Hi.", 6))


def test_bytes_are_read_as_utf8():
    assert parse_fountain("INT. CAFÉ - DAY\n\nTOMÁS\nOlá.\n".encode()).characters == ("TOMÁS",)

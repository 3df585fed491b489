"""Which take the cut uses, from takes and reviews alone."""

from __future__ import annotations

from film_assets.domain.shots.take_choice import ReviewMark, Take, choose_take

V1 = Take("v001", "clip-a", 48, "diner, night", 11, "storyboard v1", "key-a")
V2_SAME = Take("v002", "clip-a", 48, "diner, night", 11, "storyboard v1", "key-a")  # forced, same inputs
V2_SEED = Take("v002", "clip-a", 48, "diner, night", 22, "storyboard v1", "key-b")  # new seed, same picture
V2_LONGER = Take("v002", "clip-c", 60, "diner, night", 11, "storyboard v1", "key-a")  # a longer line


def mark(review_id: int, version: str, state: str = "approved", pinned: bool = False) -> ReviewMark:
    return ReviewMark(review_id, version, state, pinned, "Ada", "2026-12-07T05:00:00+00:00")


def test_without_reviews_the_cut_uses_the_newest_matching_take():
    choice = choose_take("SQ010_SH010", {"v001": V1, "v002": V2_SAME}, "v002", [])
    assert (choice.version, choice.source, choice.state, choice.outdated) == ("v002", "newest", "pending", [])


def test_an_approved_take_that_still_matches_is_used_over_a_newer_one():
    choice = choose_take("SQ010_SH010", {"v001": V1, "v002": V2_SAME}, "v002", [mark(1, "v001")])
    assert (choice.version, choice.source, choice.state) == ("v001", "approved", "approved")


def test_an_approval_whose_picture_inputs_changed_is_outdated_even_if_the_picture_is_the_same():
    choice = choose_take("SQ010_SH010", {"v001": V1, "v002": V2_SEED}, "v002", [mark(1, "v001")])
    assert (choice.version, choice.source) == ("v002", "newest")
    [stale] = choice.outdated
    assert (stale["version"], stale["kind"]) == ("v001", "approval") and "seed" in stale["reason"]


def test_a_pin_holds_a_take_through_a_new_picture_but_not_a_new_length():
    pinned = [mark(1, "v001", pinned=True)]
    assert choose_take("SQ010_SH010", {"v001": V1, "v002": V2_SEED}, "v002", pinned).source == "pinned"
    choice = choose_take("SQ010_SH010", {"v001": V1, "v002": V2_LONGER}, "v002", pinned)
    assert (choice.version, choice.source) == ("v002", "newest")
    [stale] = choice.outdated
    assert stale["kind"] == "pin" and "48 frames, the shot is now 60" in stale["reason"]


def test_of_two_approvals_the_later_wins_and_a_rejection_withdraws_one():
    takes = {"v001": V1, "v002": V2_SAME}
    assert choose_take("SQ010_SH010", takes, "v002", [mark(7, "v002"), mark(8, "v001")]).version == "v001"
    assert choose_take("SQ010_SH010", takes, "v002", [mark(8, "v001"), mark(7, "v002")]).version == "v001"
    withdrawn = [mark(7, "v002"), mark(8, "v001"), mark(9, "v001", "rejected")]
    choice = choose_take("SQ010_SH010", takes, "v002", withdrawn)
    assert (choice.version, choice.source) == ("v002", "approved")

"""Which take of a shot the cut uses, from the shot's takes and its reviews (pure: no storage).

Per shot: a pinned take if its length still fits the shot; else the approved take if it still
matches the shot (same words, timing and picture inputs: the same clip key as the shot has now);
else the newest matching take. A pin or an approval that no longer fits is reported as outdated,
never used silently. With two approvals of different takes, the later one (the higher review id)
is the shot's approval; the earlier stays in the history as superseded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

APPROVED = "approved"
PENDING = "pending"
# why the cut uses a take
FROM_PIN, FROM_APPROVAL, NEWEST = "pinned", "approved", "newest"


@dataclass(frozen=True)
class Take:
    version: str
    shot_key: str  # the clip's key: what shaped the clip (keyframe bytes, move, length, dialogue audio)
    frames: int
    prompt: str = ""
    seed: int | None = None
    model: str = ""
    keyframe_key: str = ""  # the keyframe's key: what it was drawn from (prompt, seed, model, size)

    def matches(self, other: Take) -> bool:
        """Made from the same words, timing and picture inputs. Both keys: a new seed can draw the
        same picture (a storyboard ignores it), and it is still a new picture input."""
        return self.shot_key == other.shot_key and self.keyframe_key == other.keyframe_key


@dataclass(frozen=True)
class ReviewMark:
    id: int
    version: str
    state: str
    pinned: bool
    reviewer: str = ""
    created_at: str = ""


@dataclass(frozen=True)
class TakeChoice:
    code: str
    version: str
    source: str  # pinned, approved or newest
    state: str  # the used take's own review state
    outdated: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "version": self.version,
            "source": self.source,
            "state": self.state,
            "outdated": self.outdated,
        }


def take_states(marks: list[ReviewMark]) -> dict[str, ReviewMark]:
    """Each reviewed take's latest review (marks in the order written)."""
    latest: dict[str, ReviewMark] = {}
    for mark in sorted(marks, key=lambda mark: mark.id):
        latest[mark.version] = mark
    return latest


def shot_approval(marks: list[ReviewMark]) -> ReviewMark | None:
    """The shot's approval: the latest review that approves a take still approved."""
    approved = [mark for mark in take_states(marks).values() if mark.state == APPROVED]
    return max(approved, key=lambda mark: mark.id, default=None)


def shot_pin(marks: list[ReviewMark]) -> ReviewMark | None:
    pinned = [mark for mark in take_states(marks).values() if mark.pinned]
    return max(pinned, key=lambda mark: mark.id, default=None)


def what_changed(take: Take, current: Take) -> list[str]:
    """What differs between a take and the shot's current take, in the words a reviewer uses."""
    changes = [
        name
        for name, differs in (
            ("timing", take.frames != current.frames),
            ("prompt", take.prompt != current.prompt),
            ("seed", take.seed != current.seed),
            ("model", take.model != current.model),
        )
        if differs
    ]
    return changes or ["words or sound"]  # the clip key also covers the dialogue audio it carries


def choose_take(code: str, takes: dict[str, Take], newest: str, marks: list[ReviewMark]) -> TakeChoice:
    """The take the cut uses for one shot. `newest` is the newest take matching the shot as it is
    now (what the render made or reused); `takes` has every complete take by version."""
    current = takes[newest]
    states = take_states(marks)
    outdated = []

    def state_of(version: str) -> str:
        mark = states.get(version)
        return mark.state if mark else PENDING

    def report(mark: ReviewMark, kind: str, reason: str) -> None:
        outdated.append(
            {
                "version": mark.version,
                "kind": kind,
                "reviewer": mark.reviewer,
                "reviewed_at": mark.created_at,
                "reason": reason,
            }
        )

    pin = shot_pin(marks)
    if pin is not None:
        take = takes.get(pin.version)
        if take is not None and take.frames == current.frames:
            return TakeChoice(code, pin.version, FROM_PIN, state_of(pin.version), outdated)
        report(
            pin,
            "pin",
            f"{pin.version} is {take.frames} frames, the shot is now {current.frames}"
            if take
            else f"{pin.version} is no longer stored",
        )
    approval = shot_approval(marks)
    if approval is not None and approval != pin:  # a pin that no longer fits is reported once
        take = takes.get(approval.version)
        if take is not None and take.matches(current):
            return TakeChoice(code, approval.version, FROM_APPROVAL, APPROVED, outdated)
        report(
            approval,
            "approval",
            f"the shot changed since ({', '.join(what_changed(take, current))})"
            if take
            else f"{approval.version} is no longer stored",
        )
    return TakeChoice(code, newest, NEWEST, state_of(newest), outdated)

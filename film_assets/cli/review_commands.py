"""Reviewing a project's takes from the command line:

    filmstudio review PROJECT SHOT [VERSION] (--approve | --reject | --changes NOTE | --pin | --unpin)
                      [--note NOTE] [--by NAME] [--json]
    filmstudio takes PROJECT [--json]
    filmstudio revisions PROJECT [--diff] [--json]
    filmstudio dailies PROJECT [--unreviewed] [--since DATE] [--out DIR] [--json]

Reviews and revisions live in the review database (a SQLite file under FILMSTUDIO_HOME locally);
the next render or `filmstudio rerender` builds the cut from the approved takes.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from film_assets.cli.reporting import bad_input, counted


def _review(args: argparse.Namespace) -> int:
    from film_assets.domain.projects.ids import InvalidProjectId
    from film_assets.domain.shots.take_choice import take_states
    from film_assets.review.local import UnknownTake, check_take, local_review_context
    from film_assets.review.reviews import add_review, project_reviews
    from film_assets.review.takes import marks_by_shot

    review = local_review_context()
    try:
        version = check_take(review.store, args.project, args.shot, args.version)
    except (UnknownTake, InvalidProjectId) as error:
        return bad_input(str(error))
    state, pinned, note = "approved", False, args.note or ""
    if args.reject:
        state = "rejected"
    elif args.changes is not None:
        state, note = "changes_requested", args.changes
    elif args.pin:
        pinned = True
    elif args.unpin:
        # an unpin keeps the take's state; only the pin goes
        latest = take_states(
            marks_by_shot(project_reviews(review.engine, args.project, review.tenant)).get(args.shot, [])
        )
        mark = latest.get(version)
        if mark is None or not mark.pinned:
            return bad_input(f"{args.shot} {version} is not pinned")
        state = mark.state
    try:
        saved = add_review(
            review.engine,
            review.tenant,
            args.project,
            args.shot,
            version,
            state,
            note,
            args.by or getpass.getuser(),
            pinned,
        )
    except ValueError as error:
        return bad_input(str(error))
    if args.json:
        print(json.dumps(saved.to_json(), ensure_ascii=False))
    else:
        print(
            f"{args.project} {args.shot} {version}: {state.replace('_', ' ')}{' and pinned' if pinned else ''} "
            f"by {saved.reviewer} (review #{saved.id}){': ' + note if note else ''}\n"
            f"  the next `filmstudio rerender {args.project}` builds the cut from the reviewed takes"
        )
    return 0


def _takes(args: argparse.Namespace) -> int:
    from film_assets.domain.projects.ids import InvalidProjectId, validate_project_id
    from film_assets.review.local import local_review_context
    from film_assets.review.reviews import project_reviews
    from film_assets.review.takes import takes_report

    review = local_review_context()
    try:
        project = validate_project_id(args.project)
    except InvalidProjectId as error:
        return bad_input(str(error))
    shots = takes_report(review.store, project, project_reviews(review.engine, project, review.tenant))
    if shots is None:
        return bad_input(f"project {project!r} has no takes yet (render it first)")
    if args.json:
        print(json.dumps({"project": project, "shots": shots}, ensure_ascii=False))
        return 0
    print(f"{'shot':<12} {'cut':<6} {'why':<9} takes (state; * = the cut follows it, ! = outdated review)")
    for shot in shots:
        outdated = {stale["version"] for stale in shot["outdated"]}
        takes = "  ".join(
            f"{'*' if take['cut_follows'] else ''}{take['version']}"
            f"{'!' if take['version'] in outdated else ''} {take['state'].replace('_', ' ')}"
            f"{' (pinned)' if take['pinned'] else ''}"
            for take in shot["takes"]
        )
        print(f"{shot['code']:<12} {shot['cut_follows']:<6} {shot['source']:<9} {takes}")
        for stale in shot["outdated"]:
            print(
                f"{'':<12} ! {stale['kind']} of {stale['version']} by {stale['reviewer']} is outdated: {stale['reason']}"
            )
    behind = [shot["code"] for shot in shots if shot["in_latest_cut"] != shot["cut_follows"]]
    if behind:
        print(
            f"{counted(len(behind), 'shot')} differ{'s' if len(behind) == 1 else ''} from the latest cut ({', '.join(behind)}): "
            f"`filmstudio rerender {project}` rebuilds it without rendering a shot",
            file=sys.stderr,
        )
    return 0


def _revisions(args: argparse.Namespace) -> int:
    from film_assets.domain.projects.ids import InvalidProjectId, validate_project_id
    from film_assets.review.local import local_review_context
    from film_assets.review.revisions import list_revisions

    review = local_review_context()
    try:
        project = validate_project_id(args.project)
    except InvalidProjectId as error:
        return bad_input(str(error))
    revisions = list_revisions(review.engine, review.tenant, project)
    if not revisions:
        return bad_input(f"project {project!r} has no revisions (no screenplay was rendered for it here)")
    if args.json:
        print(json.dumps([revision.to_json() for revision in revisions], ensure_ascii=False))
        return 0
    for revision in revisions:
        print(
            f"{revision.name}  {revision.created_at:%Y-%m-%d %H:%M:%S}  {revision.source_name}  "
            f"+{revision.lines_added} -{revision.lines_removed}"
        )
        if args.diff and revision.diff:
            print(revision.diff, end="")
    return 0


def _dailies(args: argparse.Namespace) -> int:
    from film_assets.assets.dailies import parse_since
    from film_assets.cli.reporting import EXIT_RENDER_FAILED, progress_printer
    from film_assets.domain.projects.ids import InvalidProjectId
    from film_assets.runs.local_dailies import make_project_dailies
    from film_assets.runs.local_render import RenderFailed

    try:
        since = parse_since(args.since or "")
        record = make_project_dailies(args.project, args.unreviewed, since, args.out, progress=progress_printer())
    except (ValueError, InvalidProjectId) as error:
        return bad_input(str(error))
    except RenderFailed as error:
        print(f"filmstudio: dailies failed: {error}", file=sys.stderr)
        return EXIT_RENDER_FAILED
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
        return 0
    print(
        f"{record['project']}: dailies {record['reel']}, {counted(record['take_count'], 'take')} in "
        f"{counted(record['slate_count'], 'scene')}, {record['duration_s']:.1f} s\n"
        f"  reel:          {record['delivered']['video']}\n"
        f"  contact sheet: {record['delivered']['contact_sheet']}\n"
        f"  run:           {record['run_id']} (the reel is the `dailies` asset in `filmstudio ui`)"
    )
    return 0


def add_review_commands(commands) -> None:
    review = commands.add_parser("review", help="approve, reject or send back a take of a shot")
    review.add_argument("project", help="the project id")
    review.add_argument("shot", help="the shot code, e.g. SQ010_SH020")
    review.add_argument("version", nargs="?", help="the take, e.g. v002 (default: the shot's newest take)")
    action = review.add_mutually_exclusive_group(required=True)
    action.add_argument("--approve", action="store_true", help="approve the take: the cut uses it while it fits")
    action.add_argument("--reject", action="store_true", help="reject the take")
    action.add_argument("--changes", metavar="NOTE", help="ask for changes, saying which")
    action.add_argument(
        "--pin",
        action="store_true",
        help="approve and pin the take: the cut keeps it even if the shot's picture changes",
    )
    action.add_argument("--unpin", action="store_true", help="take the pin off (the review state stays)")
    review.add_argument("--note", help="a note kept with the review")
    review.add_argument("--by", help="the reviewer's name (default: your login name)")
    review.add_argument("--json", action="store_true", help="print the review as JSON")
    review.set_defaults(handler=_review)

    takes = commands.add_parser("takes", help="every shot's takes, their review states and which one the cut uses")
    takes.add_argument("project", help="the project id")
    takes.add_argument("--json", action="store_true", help="print the takes as JSON")
    takes.set_defaults(handler=_takes)

    revisions = commands.add_parser("revisions", help="the screenplay revisions rendered for a project")
    revisions.add_argument("project", help="the project id")
    revisions.add_argument("--diff", action="store_true", help="print each revision's diff to the one before")
    revisions.add_argument("--json", action="store_true", help="print the revisions (with diffs) as JSON")
    revisions.set_defaults(handler=_revisions)

    dailies = commands.add_parser(
        "dailies", help="a review reel of a project's takes: burn-ins, a slate per scene and a contact sheet"
    )
    dailies.add_argument("project", help="the project id")
    dailies.add_argument("--unreviewed", action="store_true", help="only takes nobody has reviewed yet")
    dailies.add_argument(
        "--since", metavar="DATE", help="only takes made at or after this UTC date or time (2026-12-07)"
    )
    dailies.add_argument(
        "--out", help="folder for the reel and its contact sheet (default: ./renders/<project>/dailies)"
    )
    dailies.add_argument("--json", action="store_true", help="print the reel's record as JSON")
    dailies.set_defaults(handler=_dailies)

"""A film team's way through Dagster's UI, in a real browser (Debian's chromium, driven by
Playwright): the catalog, one project's final cut with its poster and contact sheet, the checks
of that project as GraphQL reports them, the check that stopped another project's film, and the
re-execution of the project's CLI run from its page.
Screenshots land in the test's tmp folder; with FILMSTUDIO_DOCS_SCREENSHOTS=docs/images two of
them also refresh the pictures in docs/film-team-ui.md:

    FILMSTUDIO_DOCS_SCREENSHOTS=docs/images .venv/bin/python -m pytest tests/cli/test_ui_browser.py
"""

from __future__ import annotations

import json
import os
import re

import pytest

from film_assets.asset_names import ASSET_NAMES
from film_assets.cli.reporting import EXIT_FAILED_QC
from tests.conftest import REPO, free_port
from tests.support.browser import chromium_executable, chromium_page, save_docs_copy, save_screenshot
from tests.support.ui import dagster_ui, graphql, render_tiny, tiny_render_args

pytestmark = [pytest.mark.slow, pytest.mark.browser]  # renders two films, runs `dagster dev` and chromium

PROJECT = "lighthouse-web"  # delivered
# Mixed louder than a clean line allows: a blocking check on the mix stops its film before the
# cut. Rendered last, so the UI's "latest" views show it and only pages for PROJECT show PROJECT.
BLOCKED = "lighthouse-loud"
# how the UI words a check execution's GraphQL status (a failed warning is "Failed" too)
UI_STATUS = {"SUCCEEDED": "Passed", "FAILED": "Failed", "EXECUTION_FAILED": "Execution failed", "SKIPPED": "Skipped"}
# where to refresh the docs' screenshots (relative to the repository), if set
DOCS_SCREENSHOTS = os.environ.get("FILMSTUDIO_DOCS_SCREENSHOTS")


def check_statuses(port: int, asset: str, project: str) -> dict[str, str]:
    """Each check on `asset` and the status of its one execution for `project`, from GraphQL."""
    nodes = graphql(
        port,
        f'{{ assetNodes(assetKeys: [{{path: ["{asset}"]}}]) {{ assetChecksOrError {{ '
        "... on AssetChecks { checks { name } } } } }",
    )["assetNodes"]
    statuses = {}
    for check in (c["name"] for c in nodes[0]["assetChecksOrError"]["checks"]):
        query = (
            f'{{ assetCheckExecutions(assetKey: {{path: ["{asset}"]}}, checkName: "{check}", limit: 5, '
            f'partition: "{project}") {{ status }} }}'
        )
        executions = graphql(port, query)["assetCheckExecutions"]
        assert len(executions) == 1, (asset, check, executions)  # one render of the project, one result
        statuses[check] = executions[0]["status"]
    assert statuses, f"{asset} has no checks"
    return statuses


def test_a_film_team_finds_a_projects_film_and_checks_in_the_browser(run_cli, film_home, tmp_path, monkeypatch):
    from playwright.sync_api import expect

    chromium_executable()  # skip (saying why) before two renders, not after
    # the renders link their pictures to this media server, and `filmstudio ui` serves it there
    # (a free port: the default 3001 may be another test's)
    monkeypatch.setenv("FILMSTUDIO_MEDIA_URL", f"http://127.0.0.1:{free_port()}")
    delivered = render_tiny(run_cli, tmp_path, "--project", PROJECT)
    blocked = run_cli(*tiny_render_args(tmp_path / "blocked", "--project", BLOCKED, "--loudness", "-5"))
    assert blocked.returncode == EXIT_FAILED_QC, blocked.stderr
    [stopped_by] = json.loads(blocked.stdout)["qc"]["failing"]
    shots = tmp_path / "screenshots"

    with dagster_ui(film_home, tmp_path) as (_, port), chromium_page() as page:
        statuses = check_statuses(port, "final_cut", PROJECT)
        stopper = (stopped_by["asset"], stopped_by["name"])
        assert check_statuses(port, stopper[0], BLOCKED)[stopper[1]] == "FAILED"
        passed_by_project = check_statuses(port, stopper[0], PROJECT)[stopper[1]]
        base = f"http://127.0.0.1:{port}"

        # the catalog lists every step of the film (found by link target: the catalog cuts long
        # names in the middle, "fi…ut", so a link's text is not its asset's name)
        page.goto(f"{base}/assets")
        for name in ASSET_NAMES:
            expect(page.locator(f'a[href="/assets/{name}"]')).to_be_visible()
        save_screenshot(page, shots / "catalog.png")

        # final_cut -> Partitions -> the project: its own materialization, not the latest one
        page.locator('a[href="/assets/final_cut"]').click()
        page.get_by_role("tab", name="Partitions").click()
        page.get_by_text(PROJECT, exact=True).filter(visible=True).first.click()
        page.wait_for_url(re.compile(rf"/assets/final_cut\?.*partition={PROJECT}"))
        expect(page.get_by_text("Latest materialization")).to_be_visible()
        expect(page.get_by_text(re.compile(rf"projects/{PROJECT}/final_cut/final_cut\.mp4")).first).to_be_visible()

        # the poster and the contact sheet: the project's pictures, served beside the UI, loaded
        for alt in ("poster", "contact sheet"):
            picture = page.get_by_role("img", name=re.compile(alt, re.IGNORECASE)).first
            expect(picture, f"final_cut's page shows no {alt} image for the project").to_be_visible()
            expect(picture).to_have_attribute("src", re.compile(rf"/projects/{PROJECT}/final_cut/"))
            page.wait_for_function("img => img.complete", arg=picture.element_handle())
            assert picture.evaluate("img => img.naturalWidth") > 0, f"the {alt} image did not load"
        film_png = save_screenshot(page, shots / "final-cut-partition.png")

        # the Checks tab lists every check of the cut; each one's history has the project's result
        page.get_by_role("tab", name="Checks").click()
        for check in statuses:
            expect(page.get_by_text(check, exact=True).filter(visible=True).first).to_be_visible()
        save_screenshot(page, shots / "checks.png")

        def expect_result(asset: str, check: str, project: str, status: str) -> None:
            # a fresh page per check: a table left from the previous check cannot pass for this one
            page.goto(f"{base}/assets/{asset}?view=checks&checkDetail={check}")
            page.get_by_role("tab", name="Execution history").click()
            row = page.get_by_role("row").filter(has_text=project)
            expect(row, f"{asset} {check}: one result for {project}").to_have_count(1)
            expect(row.get_by_role("cell").first, f"{asset} {check} for {project}").to_have_text(UI_STATUS[status])

        for check, status in statuses.items():
            expect_result("final_cut", check, PROJECT, status)
        # the other film: the check that stopped it, failed for it, and its result for the delivered one
        expect_result(*stopper, BLOCKED, "FAILED")
        expect_result(*stopper, PROJECT, passed_by_project)
        blocked_png = save_screenshot(page, shots / "blocking-check.png")

        # the CLI's run of the project re-executes from its page: a new run of it, which succeeds
        page.goto(f"{base}/runs/{delivered['run_id']}")
        expect(page.get_by_text(f"partition: {PROJECT}")).to_be_visible()
        reexecute = page.get_by_role("button", name=re.compile("^Re-execute"))
        expect(reexecute).to_be_enabled()
        reexecute.click()
        page.wait_for_url(lambda url: "/runs/" in url and delivered["run_id"] not in url)  # the new run's page
        expect(page.get_by_text("Success", exact=True).first).to_be_visible(timeout=180_000)
        save_screenshot(page, shots / "re-executed-run.png")
        new_run = page.url.rsplit("/", 1)[-1]
        run = graphql(port, f'{{ runOrError(runId: "{new_run}") {{ ... on Run {{ status tags {{ key value }} }} }} }}')
        tags = {tag["key"]: tag["value"] for tag in run["runOrError"]["tags"]}
        assert run["runOrError"]["status"] == "SUCCESS"
        assert (tags["dagster/parent_run_id"], tags["dagster/partition"]) == (delivered["run_id"], PROJECT)

        # the Overview timeline draws the CLI's runs under render_film (it leaves out runs without
        # a job origin in a loaded code location)
        page.goto(f"{base}/overview/activity/timeline")
        expect(page.get_by_role("link", name="render_film").filter(visible=True).first).to_be_visible()
        save_screenshot(page, shots / "timeline.png")

    if DOCS_SCREENSHOTS:
        docs = REPO / DOCS_SCREENSHOTS
        save_docs_copy(film_png, docs, "film-team-final-cut.png")
        save_docs_copy(blocked_png, docs, "film-team-blocking-check.png")

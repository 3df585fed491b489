"""A real browser for the UI tests: Debian's chromium (scripts/setup.sh --gpu installs it) driven by
Playwright's sync API. Playwright's own browser builds are never downloaded; where chromium or
Playwright is missing the test skips and says which, and how to get it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# what a film team's laptop shows; the docs' screenshots are taken at this size too
VIEWPORT = {"width": 1280, "height": 800}
# a loaded CI machine can take seconds to draw a page; Playwright's assertions give up after 5 s by default
WAIT_MS = 30_000
# As root chromium needs --no-sandbox. The rest keep it off the network: this machine reaches no
# Google host, and chromium's background fetches would only fail, many at a time.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Dagster's UI opens a "join the community" dialog over every page served from localhost, a
# second after load; its own dismissal is this local-storage flag, set before any page script runs.
DISMISS_COMMUNITY_DIALOG = "window.localStorage.setItem('communityNux', JSON.stringify('1'))"


def chromium_executable() -> str:
    """Debian's chromium, or a skip that says how to get it."""
    found = shutil.which("chromium")
    if found is None:
        pytest.skip(
            "Debian's chromium is not installed: the tests' setup (`bash scripts/setup.sh --gpu`, which "
            "scripts/test.sh runs) installs it where apt-get runs as root or with sudo (apt-get install chromium)"
        )
    return found


@contextmanager
def chromium_page() -> Iterator:
    """A fresh headless chromium page (its own empty profile) at VIEWPORT; closed afterwards."""
    executable = chromium_executable()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]'")
    sync_api.expect.set_options(timeout=WAIT_MS)  # assertions wait as long as actions do
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            context.set_default_timeout(WAIT_MS)
            context.add_init_script(DISMISS_COMMUNITY_DIALOG)
            yield context.new_page()
        finally:
            browser.close()


def save_screenshot(page, path: Path) -> Path:
    """The whole page as PNG. Dagster's UI scrolls inside its panes, not the document, so this is
    the viewport's picture with every pane as the user sees it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def save_docs_copy(screenshot: Path, folder: Path, name: str, max_bytes: int = 300_000) -> Path:
    """A copy of a screenshot for the docs: an optimized PNG, reduced to a 256-colour palette if
    the lossless one is over max_bytes (UI screenshots are flat colours; text stays sharp)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    with Image.open(screenshot) as image:
        image = image.convert("RGB")
        image.save(target, optimize=True)
        if target.stat().st_size > max_bytes:
            image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
    return target

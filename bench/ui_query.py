"""The Dagster UI's asset page, as far as it grows with partitions: the GraphQL query the page
sends for a partitioned asset's partition bar, timed against a running webserver."""

from __future__ import annotations

import time

import httpx

# What the UI's asset page asks for a partitioned asset: its partition keys and which of them are
# materialized or failed (the partition bar and counts). The page's other queries (lineage, checks,
# the latest event) do not grow with the partitions.
ASSET_PAGE_QUERY = """
query AssetPartitions($key: AssetKeyInput!) {
  assetNodeOrError(assetKey: $key) {
    ... on AssetNode {
      partitionKeysByDimension { name partitionKeys }
      assetPartitionStatuses {
        ... on DefaultPartitionStatuses { materializedPartitions failedPartitions materializingPartitions }
      }
      partitionStats { numMaterialized numPartitions numFailed }
    }
  }
}
"""


def ui_asset_page(ui_url: str, quantiles, asset: str = "final_cut", repeats: int = 5) -> str:
    """The webserver answering the asset page's partition query (GraphQL, as the browser sends it);
    the browser's own drawing of the bar is not measured here (no browser on this machine)."""
    samples, size = [], 0
    for _ in range(repeats + 1):
        began = time.perf_counter()
        answer = httpx.post(
            f"{ui_url}/graphql",
            json={"query": ASSET_PAGE_QUERY, "variables": {"key": {"path": [asset]}}},
            timeout=300,
        )
        samples.append(time.perf_counter() - began)
        answer.raise_for_status()
        node = answer.json()["data"]["assetNodeOrError"]
        size = len(answer.content)
    keys = len(node["partitionKeysByDimension"][0]["partitionKeys"])
    return (
        f"UI asset page's partition query for {asset} ({keys:,} partitions, {size / 1e6:.1f} MB of JSON): "
        f"{quantiles(samples[1:])} (first, cold: {samples[0]:.2f} s)"
    )


def ui_asset_page_in_browser(ui_url: str, first_key: str, asset: str = "final_cut", repeats: int = 3) -> str:
    """The asset's partitions page in headless chromium (Debian's, as the UI tests drive it), from
    navigation until the first partition key is drawn; or why it cannot be measured here."""
    import shutil

    from tests.support.browser import CHROMIUM_FLAGS, DISMISS_COMMUNITY_DIALOG, VIEWPORT

    executable = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "UI asset page in a browser: not measured (playwright is not installed: pip install -e '.[dev]')"
    if executable is None:
        return "UI asset page in a browser: not measured (no chromium: apt-get install chromium)"
    samples = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            for _ in range(repeats):
                context = browser.new_context(viewport=VIEWPORT)
                context.add_init_script(DISMISS_COMMUNITY_DIALOG)
                page = context.new_page()
                began = time.perf_counter()
                page.goto(f"{ui_url}/assets/{asset}?view=partitions", timeout=300_000)
                page.get_by_text(first_key, exact=False).first.wait_for(timeout=300_000)
                samples.append(time.perf_counter() - began)
                context.close()
        finally:
            browser.close()
    shown = ", ".join(f"{sample:.1f} s" for sample in samples)
    return f"UI asset page for {asset} in chromium, until the first partition key is drawn: {shown}"

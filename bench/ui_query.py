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

"""Asset definitions: thin wrappers that load inputs, call the domain, store outputs and attach
what a person looks for in the catalog."""

import warnings

from dagster import BetaWarning

# Output(data_version=...) is how Dagster documents reporting data versions; its "beta" label
# would otherwise print on every materialization of every asset.
warnings.filterwarnings("ignore", category=BetaWarning, message=r"Parameter `data_version`")

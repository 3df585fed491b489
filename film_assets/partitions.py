"""Every asset is partitioned per film project: one dynamic partition key per project id."""

from dagster import DynamicPartitionsDefinition

projects = DynamicPartitionsDefinition(name="projects")

"""The base of every resource that makes media: it names itself and its version, which every
materialization records so lineage says what made each render."""

from abc import ABC, abstractmethod

from dagster import ConfigurableResource


class MediaMaker(ConfigurableResource, ABC):
    @property
    @abstractmethod
    def name(self) -> str: ...

    @property
    @abstractmethod
    def version(self) -> str:
        """Bump when output changes for the same input, so stored media counts as stale."""

    def preflight(self, width: int, height: int) -> None:
        """Fail fast, before a run starts, on settings that cannot work (cheap: loads no model)."""

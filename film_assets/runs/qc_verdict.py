"""A run's QC verdict, read from the instance's check evaluations: the film passed QC unless a
blocking check failed with ERROR severity (that check stopped the run: nothing after it was
delivered). Other failed checks are warnings. The CLI and the API both say it this way.
"""

from __future__ import annotations

from dataclasses import dataclass

from dagster import AssetCheckSeverity, DagsterEventType, DagsterInstance

SHOWN_METADATA = 6  # a check's measures in a one-line summary


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    asset: str
    passed: bool
    severity: str  # "ERROR" or "WARN"
    blocking: bool
    metadata: dict  # name -> plain value

    @property
    def fails_qc(self) -> bool:
        return not self.passed and self.blocking and self.severity == AssetCheckSeverity.ERROR.value

    def summary(self) -> str:
        """`asset/check: measure=value, ...`, the problems last."""
        shown = [f"{key}={value}" for key, value in self.metadata.items() if key != "problems"][:SHOWN_METADATA]
        if "problems" in self.metadata:
            shown.append(f"problems: {self.metadata['problems']}")
        return f"{self.asset}/{self.name}: {', '.join(shown)}"

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "asset": self.asset,
            "passed": self.passed,
            "severity": self.severity,
            "blocking": self.blocking,
            "metadata": self.metadata,
        }


@dataclass(frozen=True)
class QcVerdict:
    run_id: str
    checks: list[CheckOutcome]

    @property
    def failing(self) -> list[CheckOutcome]:
        return [check for check in self.checks if check.fails_qc]

    @property
    def warnings(self) -> list[CheckOutcome]:
        return [check for check in self.checks if not check.passed and not check.fails_qc]

    @property
    def passed(self) -> bool:
        return not self.failing

    def to_json(self) -> dict:
        return {
            "passed": self.passed,
            "run_id": self.run_id,
            "checks_run": len(self.checks),
            "failing": [check.to_json() for check in self.failing],
            "warnings": [check.to_json() for check in self.warnings],
        }


def _plain(value):
    """A metadata value as plain JSON-able data (numbers and text stay as they are)."""
    inner = getattr(value, "value", value)
    return inner if isinstance(inner, (str, int, float, bool, type(None), list, dict)) else str(inner)


def qc_verdict(instance: DagsterInstance, run_id: str) -> QcVerdict:
    """The verdict of one run's check evaluations (the newest evaluation of each check wins)."""
    outcomes: dict[tuple[str, str], CheckOutcome] = {}
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        data = entry.dagster_event.asset_check_evaluation_data
        asset = data.asset_key.to_user_string()
        outcomes[(asset, data.check_name)] = CheckOutcome(
            name=data.check_name,
            asset=asset,
            passed=bool(data.passed),
            severity=(data.severity or AssetCheckSeverity.ERROR).value,
            blocking=bool(data.blocking),
            metadata={key: _plain(value) for key, value in data.metadata.items()},
        )
    return QcVerdict(run_id, list(outcomes.values()))

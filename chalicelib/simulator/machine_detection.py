"""Machine detection as the provider runs it once a dialled leg answers: which options are valid
(create-call ``machine_detection``/``advanced_machine_detection``, connect ``machineDetection``/
``advancedMachineDetection``), whether the NCCO waits for the verdict, and the human/machine
events each mode sends and when (FACTS §2.10; DOCS "Voicemail Detection (Automatic Machine
Detection)" https://developer.vonage.com/en/voice/voice-api/concepts/advanced-machine-detection).

Standard detection is synchronous: ``answered``, then ``human`` or ``machine``, then the first
NCCO action. Advanced ``detect`` is the same; ``detect_beep`` also waits for the machine's beep
(``sub_state`` ``beep_start``, or ``beep_timeout`` after ``beep_timeout`` seconds); ``default``
reports in the background while the NCCO runs. Advanced detection wins over standard.

Pure: imports only the standard library; must not import the network, the leg runtime or the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DETECT_SECONDS = 3.0
"""How long the analysis takes after answer (DOCS: "up to 4-5 seconds")."""
BEHAVIORS = ("continue", "hangup")
MODES = ("default", "detect", "detect_beep")
BEEP_TIMEOUT_RANGE = (45.0, 120.0)
"""PYSDK and JAVASDK enforce 45-120 (SPEC-NEW says 30-120); the .NET SDK page says the same."""
DEFAULT_BEEP_TIMEOUT = 45.0
STANDARD = "standard"


class MachineDetectionError(ValueError):
    """Machine-detection options the provider refuses; ``str()`` says what is wrong."""


@dataclass(frozen=True)
class DetectionPlan:
    """What to detect and what to do about a machine."""

    behavior: str
    mode: str
    beep_timeout: float = DEFAULT_BEEP_TIMEOUT

    @property
    def synchronous(self) -> bool:
        """Whether the NCCO waits for the verdict (all but advanced ``default``)."""
        return self.mode != "default"


@dataclass(frozen=True)
class Report:
    """One human/machine event, ``after`` seconds from the answer."""

    after: float
    status: str
    sub_state: str | None = None


def check_standard(value: object, where: str) -> None:
    """``machine_detection``: continue or hangup."""
    if value is not None and value not in BEHAVIORS:
        raise MachineDetectionError(f"{where} must be continue or hangup")


def check_advanced(value: object, where: str) -> None:
    """``advanced_machine_detection``: ``behavior``, ``mode`` and ``beep_timeout`` in range."""
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise MachineDetectionError(f"{where} must be an object")
    unknown = set(value) - {"behavior", "mode", "beep_timeout"}
    if unknown:
        raise MachineDetectionError(f"{where}: unknown field(s) {sorted(unknown)}")
    if value.get("behavior", "continue") not in BEHAVIORS:
        raise MachineDetectionError(f"{where}.behavior must be continue or hangup")
    if value.get("mode", "detect") not in MODES:
        raise MachineDetectionError(f"{where}.mode must be one of {', '.join(MODES)}")
    if "beep_timeout" in value:
        timeout = value["beep_timeout"]
        low, high = BEEP_TIMEOUT_RANGE
        number = isinstance(timeout, (int, float)) and not isinstance(timeout, bool)
        if not number or not low <= timeout <= high:
            raise MachineDetectionError(
                f"{where}.beep_timeout must be a number of seconds in {low:g}..{high:g}, "
                f"got {timeout!r}"
            )


def plan(standard: str | None, advanced: Mapping[str, Any] | None) -> DetectionPlan | None:
    """The detection a leg runs (advanced wins over standard), or None for none."""
    if advanced is not None:
        return DetectionPlan(
            str(advanced.get("behavior", "continue")),
            str(advanced.get("mode", "detect")),
            float(advanced.get("beep_timeout", DEFAULT_BEEP_TIMEOUT)),
        )
    if standard is not None:
        return DetectionPlan(standard, STANDARD)
    return None


def reports(detection: DetectionPlan, machine: bool, beep_after: float | None) -> list[Report]:
    """The events the leg sends, in order: the verdict, then for a machine the beep (or the
    beep timeout) when the mode listens for it and the call is not hung up at the verdict."""
    verdict = Report(DETECT_SECONDS, "machine" if machine else "human")
    listens = detection.mode in ("default", "detect_beep")
    if not machine or not listens or detection.behavior == "hangup":
        return [verdict]
    if beep_after is not None and beep_after < detection.beep_timeout:
        return [verdict, Report(max(DETECT_SECONDS, beep_after), "machine", "beep_start")]
    return [verdict, Report(detection.beep_timeout, "machine", "beep_timeout")]

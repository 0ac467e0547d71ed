"""The CVSS calculator's metrics: form choices <-> vector (scoring is severity.cvss_parse)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vulndesk.core.errors import ValidationFailed


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    choices: tuple[tuple[str, str], ...]  # (value, label)


_IMPACT = (("H", "High"), ("L", "Low"), ("N", "None"))
_AV = (("N", "Network"), ("A", "Adjacent"), ("L", "Local"), ("P", "Physical"))

METRICS: dict[str, tuple[Metric, ...]] = {
    "3.1": (
        Metric("AV", "Attack Vector", _AV),
        Metric("AC", "Attack Complexity", (("L", "Low"), ("H", "High"))),
        Metric("PR", "Privileges Required", (("N", "None"), ("L", "Low"), ("H", "High"))),
        Metric("UI", "User Interaction", (("N", "None"), ("R", "Required"))),
        Metric("S", "Scope", (("U", "Unchanged"), ("C", "Changed"))),
        Metric("C", "Confidentiality", _IMPACT),
        Metric("I", "Integrity", _IMPACT),
        Metric("A", "Availability", _IMPACT),
    ),
    "4.0": (
        Metric("AV", "Attack Vector", _AV),
        Metric("AC", "Attack Complexity", (("L", "Low"), ("H", "High"))),
        Metric("AT", "Attack Requirements", (("N", "None"), ("P", "Present"))),
        Metric("PR", "Privileges Required", (("N", "None"), ("L", "Low"), ("H", "High"))),
        Metric("UI", "User Interaction", (("N", "None"), ("P", "Passive"), ("A", "Active"))),
        Metric("VC", "Vulnerable System Confidentiality", _IMPACT),
        Metric("VI", "Vulnerable System Integrity", _IMPACT),
        Metric("VA", "Vulnerable System Availability", _IMPACT),
        Metric("SC", "Subsequent System Confidentiality", _IMPACT),
        Metric("SI", "Subsequent System Integrity", _IMPACT),
        Metric("SA", "Subsequent System Availability", _IMPACT),
    ),
}


def vector_from_choices(version: str, choices: Mapping[str, str]) -> str:
    """The vector of the chosen values; a missing or unknown choice is refused by name."""
    metrics = METRICS.get(version)
    if metrics is None:
        raise ValidationFailed(f"CVSS version must be 3.1 or 4.0, not {version!r}.")
    parts = [f"CVSS:{version}"]
    for metric in metrics:
        value = choices.get(metric.key, "")
        if value not in {v for v, _label in metric.choices}:
            raise ValidationFailed(f"Choose a value for {metric.name} ({metric.key}).")
        parts.append(f"{metric.key}:{value}")
    return "/".join(parts)


def choices_from_vector(vector: str) -> tuple[str, dict[str, str]]:
    """(version, base metric values) of a vector, for filling the form."""
    head, _, rest = vector.partition("/")
    version = head.removeprefix("CVSS:")
    if version == "3.0":
        version = "3.1"
    wanted = {m.key for m in METRICS.get(version, ())}
    values = {}
    for part in rest.split("/"):
        key, _, value = part.partition(":")
        if key in wanted:
            values[key] = value
    return version, values

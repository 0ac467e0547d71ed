"""CVSS v3.1 / v4.0 vectors and the severity they suggest.

The arithmetic is the ``cvss`` package's; this module only parses, names what is wrong
in a bad vector, and maps a score to the team's levels with the FIRST rating bands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSS3Error, CVSS4Error

from vulndesk.core.errors import ValidationFailed

# FIRST's qualitative rating bands (CVSS v3.1 spec section 5, CVSS v4.0 spec section 6):
# the lowest score of each level. A score of 0.0 is "None", which no report has.
FIRST_BANDS: tuple[tuple[float, str], ...] = (
    (9.0, "Critical"),
    (7.0, "High"),
    (4.0, "Medium"),
    (0.1, "Low"),
)

# CVSS v4.0 metric abbreviations -> CVE JSON 5 ``cvssV4_0`` property names. Base metrics
# and the supplemental ones, as CVE records carry them (e.g. CVE-2024-9287).
_V4_CVE_FIELDS: dict[str, str] = {
    "AV": "attackVector",
    "AC": "attackComplexity",
    "AT": "attackRequirements",
    "PR": "privilegesRequired",
    "UI": "userInteraction",
    "VC": "vulnConfidentialityImpact",
    "VI": "vulnIntegrityImpact",
    "VA": "vulnAvailabilityImpact",
    "SC": "subConfidentialityImpact",
    "SI": "subIntegrityImpact",
    "SA": "subAvailabilityImpact",
    "S": "Safety",
    "AU": "Automatable",
    "R": "Recovery",
    "V": "valueDensity",
    "RE": "vulnerabilityResponseEffort",
    "U": "providerUrgency",
}
_V4_VALUES: dict[str, str] = {
    "N": "NONE",
    "L": "LOW",
    "H": "HIGH",
    "P": "PRESENT",
    "A": "ACTIVE",
    "X": "NOT_DEFINED",
}
_V4_SPECIAL: dict[tuple[str, str], str] = {
    ("AV", "N"): "NETWORK",
    ("AV", "A"): "ADJACENT",
    ("AV", "L"): "LOCAL",
    ("AV", "P"): "PHYSICAL",
    ("UI", "P"): "PASSIVE",
    ("S", "N"): "NEGLIGIBLE",
    ("S", "P"): "PRESENT",
    ("AU", "N"): "NO",
    ("AU", "Y"): "YES",
    ("R", "A"): "AUTOMATIC",
    ("R", "U"): "USER",
    ("R", "I"): "IRRECOVERABLE",
    ("V", "D"): "DIFFUSE",
    ("V", "C"): "CONCENTRATED",
    ("RE", "L"): "LOW",
    ("RE", "M"): "MODERATE",
    ("RE", "H"): "HIGH",
    ("U", "Clear"): "CLEAR",
    ("U", "Green"): "GREEN",
    ("U", "Amber"): "AMBER",
    ("U", "Red"): "RED",
}


@dataclass(frozen=True)
class Cvss:
    """A parsed vector: its version ("3.1", "3.0" or "4.0"), score and FIRST band."""

    vector: str
    version: str
    base_score: float
    severity: str  # Low, Medium, High, Critical (or "None" for 0.0)
    metrics: dict[str, str]  # abbreviation -> value, as written in the vector

    def cve_metric(self) -> dict[str, Any]:
        """The CVE JSON 5 ``metrics`` item for this vector (``cvssV3_1`` / ``cvssV4_0``)."""
        if self.version == "4.0":
            body: dict[str, Any] = {
                "version": "4.0",
                "vectorString": self.vector,
                "baseScore": self.base_score,
                "baseSeverity": self.severity.upper(),
            }
            for abbr, field in _V4_CVE_FIELDS.items():
                value = self.metrics.get(abbr, "X")
                body[field] = _V4_SPECIAL.get((abbr, value)) or _V4_VALUES[value]
            key = "cvssV4_0"
        else:
            cvss3 = CVSS3(self.vector)
            body = dict(cvss3.as_json(minimal=True))
            key = "cvssV3_1" if self.version == "3.1" else "cvssV3_0"
        return {
            key: body,
            "format": "CVSS",
            "scenarios": [{"lang": "en", "value": "GENERAL"}],
        }


def _split(vector: str) -> dict[str, str]:
    parts = vector.split("/")[1:]
    metrics: dict[str, str] = {}
    for part in parts:
        name, _, value = part.partition(":")
        metrics[name] = value
    return metrics


def cvss_parse(vector: str) -> Cvss:
    """Parse a CVSS v3.0/v3.1 or v4.0 vector; a bad one is refused naming the bad part."""
    vector = vector.strip()
    if not vector:
        raise ValidationFailed("The CVSS vector is empty.")
    try:
        if vector.startswith("CVSS:4.0/"):
            c4 = CVSS4(vector)
            score = float(c4.base_score)
            return Cvss(vector, "4.0", score, str(c4.severity), _split(vector))
        if vector.startswith(("CVSS:3.1/", "CVSS:3.0/")):
            c3 = CVSS3(vector)
            score = float(c3.base_score)
            version = vector[5:8]
            return Cvss(vector, version, score, str(c3.severities()[0]), _split(vector))
    except (CVSS3Error, CVSS4Error) as exc:
        raise ValidationFailed(f"Bad CVSS vector {vector!r}: {_explain(exc)}") from exc
    prefix = vector.split("/", 1)[0]
    raise ValidationFailed(
        f"Bad CVSS vector {vector!r}: the prefix {prefix!r} is not CVSS:3.1, CVSS:3.0 or CVSS:4.0."
    )


def _explain(exc: Exception) -> str:
    """The cvss package's message, which names the metric, made into a sentence."""
    text = str(exc).strip()
    return text if text.endswith(".") else text + "."


def severity_from_score(score: float, levels: list[str] | None = None) -> str:
    """The FIRST band of ``score``, limited to the team's ``levels`` (default all four).

    A team without a level (e.g. no "Critical") gets the nearest level below it.
    """
    if not 0.0 <= score <= 10.0:
        raise ValidationFailed(f"A CVSS score is between 0.0 and 10.0, not {score}.")
    allowed = levels or [band for _low, band in reversed(FIRST_BANDS)]
    found = ""
    for low, band in FIRST_BANDS:
        if score >= low:
            found = band
            break
    if not found:
        raise ValidationFailed("A score of 0.0 means no vulnerability; it has no severity level.")
    order = [band for _low, band in reversed(FIRST_BANDS)]
    for candidate in reversed(order[: order.index(found) + 1]):
        if candidate in allowed:
            return candidate
    return allowed[0]


def cvss_severity(vector: str, levels: list[str] | None = None) -> tuple[str, float]:
    """(severity level, base score) of ``vector``: the hook reports.services uses."""
    parsed = cvss_parse(vector)
    return severity_from_score(parsed.base_score, levels), parsed.base_score

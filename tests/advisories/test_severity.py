"""CVSS parsing and the severity it suggests: scores must match the cvss package."""

from __future__ import annotations

import pytest
from cvss import CVSS3, CVSS4

from vulndesk.advisories.severity import cvss_parse, cvss_severity, severity_from_score
from vulndesk.core.errors import ValidationFailed
from vulndesk.reports import services as rs

# (vector, expected base score, expected severity): a spread over every band, taken
# from real PSF records and the CVSS specification's examples.
V31 = [
    ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:H/A:N", 5.5, "Medium"),  # CVE-2023-5752
    ("CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 6.2, "Medium"),  # CVE-2024-0450
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:L", 9.4, "Critical"),  # CVE-2025-4517
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "Critical"),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, "Medium"),
    ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9, "Medium"),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, "High"),
    ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6, "Low"),
    ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "Critical"),
]
V40 = [
    ("CVSS:4.0/AV:L/AC:L/AT:P/PR:H/UI:A/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/U:Green", 5.3, "Medium"),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, "Critical"),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 8.7, "High"),
    ("CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 1.0, "Low"),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:P/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", 5.1, "Medium"),
]


@pytest.mark.parametrize(("vector", "score", "severity"), V31)
def test_v3_scores_and_severity_match_the_cvss_package(
    vector: str, score: float, severity: str
) -> None:
    parsed = cvss_parse(vector)
    assert parsed.base_score == score == float(CVSS3(vector).base_score)
    assert parsed.severity == severity == CVSS3(vector).severities()[0]
    assert cvss_severity(vector) == (severity, score)


@pytest.mark.parametrize(("vector", "score", "severity"), V40)
def test_v4_scores_and_severity_match_the_cvss_package(
    vector: str, score: float, severity: str
) -> None:
    parsed = cvss_parse(vector)
    assert parsed.version == "4.0"
    assert parsed.base_score == score == float(CVSS4(vector).base_score)
    assert parsed.severity == severity == CVSS4(vector).severity
    assert cvss_severity(vector) == (severity, score)


@pytest.mark.parametrize(
    ("vector", "named"),
    [
        ("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "AV:X"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N", '"A"'),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H/FOO:1", "FOO"),
        ("CVSS:4.0/AV:L/AC:L/AT:Q/PR:H/UI:A/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N", "AT:Q"),
        ("CVSS:4.0/AV:L/AC:L/PR:H/UI:A/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N", '"AT"'),
        ("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", "CVSS:2.0"),
        ("AV:N/AC:L", "AV:N"),
    ],
)
def test_bad_vector_is_refused_naming_the_bad_part(vector: str, named: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        cvss_parse(vector)
    assert named in caught.value.message
    assert vector in caught.value.message


def test_empty_vector_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="empty"):
        cvss_parse("   ")


@pytest.mark.parametrize(
    ("score", "level"),
    [(0.1, "Low"), (3.9, "Low"), (4.0, "Medium"), (6.9, "Medium"), (7.0, "High"),
     (8.9, "High"), (9.0, "Critical"), (10.0, "Critical")],
)  # fmt: skip
def test_first_bands_give_the_level(score: float, level: str) -> None:
    assert severity_from_score(score) == level


def test_team_without_critical_gets_the_nearest_level_below() -> None:
    assert severity_from_score(9.8, ["Low", "Medium", "High"]) == "High"
    assert severity_from_score(2.0, ["Medium", "High"]) == "Medium"


def test_zero_and_out_of_range_scores_are_refused() -> None:
    with pytest.raises(ValidationFailed, match="no severity"):
        severity_from_score(0.0)
    with pytest.raises(ValidationFailed, match="between"):
        severity_from_score(10.5)


def test_report_services_route_their_cvss_hook_here() -> None:
    assert rs.cvss_severity(V40[0][0]) == ("Medium", 5.3)
    with pytest.raises(ValidationFailed, match="AT:Q"):
        rs.cvss_severity("CVSS:4.0/AV:L/AC:L/AT:Q/PR:H/UI:A/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N")

"""CSAF 2.0: every document vulndesk writes passes the csaf package's 2.0 validator."""

from __future__ import annotations

from typing import Any

import pytest
from csaf.csaf.v20._validator import validate as csaf_validate

from tests.advisories.test_golden import CVE_FILES, OSV_FILES
from vulndesk.advisories.csaf import build_csaf_document
from vulndesk.advisories.importers import records_import
from vulndesk.reports.models import Report


def _problems(doc: dict[str, Any]) -> list[str]:
    report = csaf_validate(doc, preset="basic")
    return [
        f"{r.id}: {e.instance_path} {e.message}"
        for r in report.results
        if not r.passed and not r.skipped
        for e in r.errors
    ]


@pytest.fixture
def imported_reports(personas: Any) -> list[Report]:
    records_import("cve", CVE_FILES, team=personas.team, actor=personas.admin)
    records_import("osv", OSV_FILES, team=personas.team, actor=personas.admin)
    return list(Report.objects.order_by("cve_id"))


def test_csaf_of_every_imported_record_is_valid(imported_reports: list[Report]) -> None:
    assert len(imported_reports) == 6
    for report in imported_reports:
        doc = build_csaf_document(report)
        assert _problems(doc) == [], report.cve_id
        assert doc["document"]["tracking"]["id"] == report.cve_id
        assert doc["vulnerabilities"][0]["cve"] == report.cve_id


def test_csaf_carries_ranges_fix_and_score(imported_reports: list[Report]) -> None:
    report = Report.objects.get(cve_id="CVE-2024-0450")
    doc = build_csaf_document(report)
    vendor = doc["product_tree"]["branches"][0]
    assert vendor["name"] == "Python Software Foundation"
    names = [b["name"] for b in vendor["branches"][0]["branches"]]
    assert names[:3] == ["vers:generic/<3.8.19", "3.8.19", "vers:generic/>=3.9.0|<3.9.19"]
    vuln = doc["vulnerabilities"][0]
    assert vuln["scores"][0]["cvss_v3"]["baseScore"] == 6.2
    assert vuln["cwe"] == {
        "id": "CWE-405",
        "name": "Asymmetric Resource Consumption (Amplification)",
    }
    assert len(vuln["product_status"]["known_affected"]) == 6
    assert doc["document"]["aggregate_severity"] == {"text": "Medium"}


def test_the_validator_catches_a_broken_document(imported_reports: list[Report]) -> None:
    doc = build_csaf_document(imported_reports[0])
    doc["vulnerabilities"][0]["product_status"]["known_affected"].append("CSAFPID-9999")
    assert any("CSAFPID-9999" in p or "6.1.1" in p for p in _problems(doc))

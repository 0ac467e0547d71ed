"""Every demo report past acceptance has an advisory its records are built from."""

from __future__ import annotations

from typing import Any

import pytest
from csaf.csaf.v20._validator import validate as csaf_validate

from vulndesk.advisories.csaf import build_csaf_document
from vulndesk.advisories.cve_json import build_cve_record
from vulndesk.advisories.osv import build_osv_record
from vulndesk.core.demo import demo_load
from vulndesk.reports.models import CLOSED_STATES, Report, State

# Reports in these states have (or had) no advisory: nothing was accepted.
NO_RECORD = {State.NEW, State.TRIAGE, *CLOSED_STATES}


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _csaf_problems(doc: dict[str, Any]) -> list[str]:
    result = csaf_validate(doc, preset="basic")
    return [
        f"{r.id}: {e.instance_path} {e.message}"
        for r in result.results
        if not r.passed and not r.skipped
        for e in r.errors
    ]


def test_every_accepted_demo_report_builds_valid_cve_osv_and_csaf_records(db: Any) -> None:
    demo_load()
    reports = [r for r in Report.objects.order_by("key") if r.state not in NO_RECORD]
    assert {r.state for r in reports} == set(State.values) - NO_RECORD
    for report in reports:
        cve = build_cve_record(report)  # validated against CVE JSON 5 (cvelib)
        assert cve["affected"][0]["versions"], report.key
        assert cve["references"], report.key
        osv = build_osv_record(report)  # validated against the OSV schema
        assert osv["affected"], report.key
        assert _csaf_problems(build_csaf_document(report)) == [], report.key

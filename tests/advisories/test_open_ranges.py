"""A release branch without a fix stays affected "and later" in every record, not only at
its first release (a CVE entry with a version and no upper bound means that one version)."""

from __future__ import annotations

from typing import Any

from csaf.csaf.v20._validator import validate as csaf_validate

from tests.conftest import build_report
from vulndesk.accounts.services import project_create
from vulndesk.advisories.csaf import build_csaf_document
from vulndesk.advisories.cve_json import build_cve_record
from vulndesk.advisories.osv import build_osv_record
from vulndesk.advisories.services import (
    advisory_add_reference,
    advisory_set_affected,
    branch_set,
)
from vulndesk.reports import services as rs
from vulndesk.reports.models import State


def test_an_unfixed_branch_is_open_ended_in_cve_osv_and_csaf(personas: Any) -> None:
    p = personas
    for name, first in [("3.12", "3.12.0"), ("3.13", "3.13.0a1")]:
        branch_set(p.project, actor=p.admin, name=name, first_version=first)
    report = build_report(p, State.FIXING)
    rs.report_set_advisory(
        report,
        actor=p.member,
        title="Quadratic time in zipfile.Path",
        description="Crafted names make zipfile.Path slow.",
        affected_components="zipfile",
    )
    advisory_add_reference(
        report, actor=p.member, url="https://github.com/python/cpython/issues/1",
        tags=["issue-tracking"],
    )  # fmt: skip
    advisory_set_affected(report, actor=p.member, fixed_in={"3.12": "3.12.6"})
    report.refresh_from_db()
    assert report.affected_versions == "Python versions before 3.12.6, 3.13.0a1 and later"
    versions = build_cve_record(report)["affected"][0]["versions"]
    assert versions == [
        {"version": "0", "lessThan": "3.12.6", "status": "affected", "versionType": "python"},
        {"version": "3.13.0a1", "lessThan": "*", "status": "affected", "versionType": "python"},
    ]
    csaf = build_csaf_document(report)
    result = csaf_validate(csaf, preset="basic")
    assert [r.id for r in result.results if not r.passed and not r.skipped] == []
    names = str(csaf["product_tree"])
    assert "vers:generic/>=3.13.0a1'" in names
    assert "<*" not in names
    assert "'name': '*'" not in names  # no "fixed in *" product


def test_an_unfixed_pypi_package_has_no_fixed_event_in_osv(personas: Any) -> None:
    p = personas
    pip = project_create(
        p.team, slug="pip", name="pip", repository_url="https://github.com/pypa/pip",
        ecosystem="PyPI", package_name="pip", actor=p.admin,
    )  # fmt: skip
    branch_set(pip, actor=p.admin, name="main", first_version="0")
    report = build_report(p, State.FIXING)
    report.project = pip
    report.save(update_fields=["project"])
    rs.report_set_advisory(
        report, actor=p.member, title="Config injection", description="Bad.",
        whole_project=True,
    )  # fmt: skip
    advisory_add_reference(
        report, actor=p.member, url="https://github.com/pypa/pip/issues/1",
        tags=["issue-tracking"],
    )  # fmt: skip
    advisory_set_affected(report, actor=p.member, fixed_in={})
    report.refresh_from_db()
    cve = build_cve_record(report)
    assert cve["affected"][0]["versions"] == [
        {"version": "0", "lessThan": "*", "status": "affected", "versionType": "python"}
    ]
    osv = build_osv_record(report)
    assert osv["affected"][0]["ranges"] == [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]

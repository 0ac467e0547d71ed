"""Publishing, updating and rejecting CVE records at (the fake) CVE Services.

Failures keep the request with its payload and error; retries resume without sending
twice.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from tests.cna.fake_cve_services import FakeCveServices
from tests.conftest import Personas, build_report
from tests.shared_files import SHARED
from vulndesk.advisories.importers import import_cve
from vulndesk.cna import services as cna
from vulndesk.cna.adapter import validate_container
from vulndesk.cna.models import CveId, CveIdState, CveRequest, CveRequestState
from vulndesk.core.errors import PermissionDenied, TransitionRefused, ValidationFailed
from vulndesk.public import publication as pub
from vulndesk.public.models import PublicationStep
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, State

EXAMPLE = SHARED / "examples" / "cve" / "CVE-2024-6232.json"


def _published(p: Personas, fake: FakeCveServices, *, publish_records: bool = True) -> Report:
    """A published report with a complete advisory: the PSF's record, imported."""
    cna.cna_policy_set(p.team, actor=p.admin, publish_records=publish_records)
    data = json.loads(EXAMPLE.read_text())
    data["containers"]["cna"].pop("providerMetadata")
    imported = import_cve(data, team=p.team, actor=p.admin)
    report = Report.objects.get(team=p.team, cve_id=imported.record_id)
    Report.objects.filter(pk=report.pk).update(coordinator=p.member, cve_published_at=None)
    report.refresh_from_db()
    fake.add_reserved(report.cve_id)
    return report


def _step(report: Report) -> PublicationStep:
    pub.publication_run(report)
    return PublicationStep.objects.get(report=report, name="cve-record")


def test_publication_creates_the_record_after_the_public_page(
    personas: Personas, fake_cve: FakeCveServices
) -> None:
    report = _published(personas, fake_cve)
    names = [s.name for s in pub.registered_steps()]
    assert names.index("public-page") < names.index("cve-record")
    step = _step(report)
    assert step.status == "done", step.last_error
    (call,) = fake_cve.calls("cveCnaCreateSingle")
    sent = call["body"]["cnaContainer"]
    original = json.loads(EXAMPLE.read_text())["containers"]["cna"]
    for name in ("title", "descriptions", "affected", "problemTypes", "references", "credits"):
        assert sent[name] == original[name], name
    assert sent["providerMetadata"] == {"orgId": fake_cve.org_uuid}  # filled in by cvelib
    assert fake_cve.ids[report.cve_id]["state"] == "PUBLISHED"
    report.refresh_from_db()
    assert report.cve_published_at is not None
    assert CveId.objects.get(cve_id=report.cve_id).state == CveIdState.PUBLISHED
    assert report.timeline.filter(action="cve:record:publish", shared=True).exists()
    # Running again does nothing more.
    pub.publication_run(report)
    assert len(fake_cve.calls("cveCnaCreateSingle")) == 1


def test_the_step_is_skipped_for_teams_that_do_not_publish_records(
    personas: Personas, fake_cve: FakeCveServices
) -> None:
    report = _published(personas, fake_cve, publish_records=False)
    step = _step(report)
    assert step.status == "done"
    assert step.result == {"skipped": "the team does not publish CVE records from vulndesk"}
    assert fake_cve.requests == []


def test_a_failed_publish_keeps_the_request_and_the_retry_finishes_it(
    personas: Personas, fake_cve: FakeCveServices
) -> None:
    report = _published(personas, fake_cve)
    fake_cve.fail_next("cveCnaCreateSingle", status=500, message="database unavailable")
    step = _step(report)
    assert step.status == "failed"
    # The runner keeps the step's error; the step's own writes were rolled back with it,
    # and the retry rebuilds the request from the report, which lost nothing.
    assert step.last_error == (
        f"CveServicesError: The CVE record of {report.cve_id} was not accepted yet: "
        f"CVE Services refused to publish {report.cve_id}: "
        "500 INTERNAL_SERVER_ERROR: database unavailable"
    )
    assert fake_cve.ids[report.cve_id]["state"] == "RESERVED"
    step = _step(report)
    assert step.status == "done"
    assert fake_cve.ids[report.cve_id]["state"] == "PUBLISHED"
    assert len(fake_cve.records) == 1


def test_a_publish_whose_answer_was_lost_is_not_sent_twice(
    personas: Personas, fake_cve: FakeCveServices
) -> None:
    report = _published(personas, fake_cve)
    cna.cna_policy_set(personas.team, actor=personas.admin, publish_records=False)
    pub.publication_run(report)  # public page done; record step skipped
    fake_cve.fail_next("cveCnaCreateSingle", status=500, after_effect=True)
    request = cna.cve_publish_record(report, actor=personas.member)
    assert request.state == CveRequestState.RETRY
    assert "500" in request.last_error
    assert request.attempts == 1
    assert fake_cve.ids[report.cve_id]["state"] == "PUBLISHED"  # it did land
    request = cna.cve_request_retry(request, actor=personas.member)
    assert request.state == CveRequestState.DONE
    assert len(fake_cve.calls("cveCnaCreateSingle")) == 1  # never created twice
    assert len(fake_cve.calls("cveCnaUpdateSingle")) == 1  # the retry updated instead


def test_a_refusal_is_kept_as_failed_with_the_services_words(
    personas: Personas, fake_cve: FakeCveServices
) -> None:
    report = _published(personas, fake_cve, publish_records=False)
    fake_cve.fail_next(
        "cveCnaCreateSingle", status=403, error="NOT_OWNER_CNA", message="Not your ID."
    )
    request = cna.cve_publish_record(report, actor=personas.member)
    assert request.state == CveRequestState.FAILED
    assert request.last_error == (
        f"CVE Services refused to publish {report.cve_id}: 403 NOT_OWNER_CNA: Not your ID."
    )
    assert CveId.objects.get(cve_id=report.cve_id).state == CveIdState.ASSIGNED
    request = cna.cve_request_retry(request, actor=personas.member)
    assert request.state == CveRequestState.DONE


def test_publishing_again_updates_the_record(personas: Personas, fake_cve: FakeCveServices) -> None:
    report = _published(personas, fake_cve)
    pub.publication_run(report)
    Report.objects.filter(pk=report.pk).update(advisory_title="Better title", title="Better title")
    request = cna.cve_publish_record(report, actor=personas.member)
    assert request.kind == "update"
    assert request.state == CveRequestState.DONE
    (call,) = fake_cve.calls("cveCnaUpdateSingle")
    assert call["method"] == "PUT"
    assert call["body"]["cnaContainer"]["title"] == "Better title"


def test_only_the_coordinator_or_an_admin_publishes_and_only_published_reports(
    personas: Personas, fake_cve: FakeCveServices
) -> None:
    p = personas
    report = _published(p, fake_cve, publish_records=False)
    with pytest.raises(PermissionDenied):
        cna.cve_publish_record(report, actor=p.member2)
    fixing = build_report(p, State.FIXING)
    with pytest.raises(TransitionRefused, match="after the advisory is published"):
        cna.cve_publish_record(fixing, actor=p.member)
    assert fake_cve.requests == []


def test_withdraw_with_the_reject_policy_rejects_at_cve_services(
    personas: Personas, fake_cve: FakeCveServices
) -> None:
    p = personas
    cna.cve_pool_load(p.team, actor=p.admin, cve_ids=["CVE-2026-1001"])
    fake_cve.add_reserved("CVE-2026-1001")
    cna.cna_policy_set(p.team, actor=p.admin, on_withdraw="reject")
    report = build_report(p, State.ACCEPTED)
    rs.report_withdraw(report, actor=p.member, reason="Duplicate.")
    (request,) = cna.cve_requests_run()
    assert request.state == CveRequestState.DONE
    (call,) = fake_cve.calls("cveCnaCreateReject")
    assert call["body"]["cnaContainer"]["rejectedReasons"] == [
        {"lang": "en", "value": "This candidate was withdrawn by its CNA."}
    ]
    assert fake_cve.ids["CVE-2026-1001"]["state"] == "REJECTED"


def test_reject_is_for_admins_needs_a_reason_and_retries_when_down(
    personas: Personas, fake_cve: FakeCveServices, monkeypatch: Any
) -> None:
    p = personas
    cna.cve_pool_load(p.team, actor=p.admin, cve_ids=["CVE-2026-1001"])
    fake_cve.add_reserved("CVE-2026-1001")
    report = build_report(p, State.ACCEPTED)
    with pytest.raises(ValidationFailed, match="Say why"):
        cna.cve_reject(report, actor=p.admin, reason=" ")
    with pytest.raises(PermissionDenied):
        cna.cve_reject(report, actor=p.member, reason="Duplicate of CVE-2026-0001.")
    fake_cve.fail_next("cveCnaCreateReject", status=500)
    request = cna.cve_reject(report, actor=p.admin, reason="Duplicate of CVE-2026-0001.")
    assert request.state == CveRequestState.RETRY
    assert CveId.objects.get(cve_id="CVE-2026-1001").state == CveIdState.REJECTED
    assert cna.cve_requests_run() == []  # not due yet
    later = request.next_attempt_at + dt.timedelta(seconds=1)
    monkeypatch.setattr("vulndesk.core.clock.now", lambda: later)
    (request,) = cna.cve_requests_run()
    assert request.state == CveRequestState.DONE
    assert fake_cve.ids["CVE-2026-1001"]["state"] == "REJECTED"


def test_an_incomplete_advisory_is_refused_before_anything_is_sent(
    personas: Personas, fake_cve: FakeCveServices
) -> None:
    report = build_report(personas, State.PUBLISHED)  # affected versions only in words
    fake_cve.add_reserved(report.cve_id)
    with pytest.raises(ValidationFailed, match="no affected versions yet"):
        cna.cve_publish_record(report, actor=personas.member)
    assert fake_cve.requests == []
    assert not CveRequest.objects.exists()


def test_the_container_is_validated_naming_the_field(personas: Personas) -> None:
    container: dict[str, Any] = {"affected": [{"vendor": "x", "product": "y"}], "references": []}
    with pytest.raises(ValidationFailed) as info:
        validate_container(container)
    assert "(record): 'descriptions' is a required property" in info.value.message
    assert "references: [] should be non-empty" in info.value.message

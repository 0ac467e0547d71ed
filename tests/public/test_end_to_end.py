"""Acceptance: a High severity report from private fix to publication, every outside
service a real or fake server on loopback, and the publication steps in their order:
public page (HTML, Atom, OSV, CSAF), announcement at a real SMTP server, CVE record at
the fake CVE Services."""

from __future__ import annotations

import email
import json
from email import policy
from typing import Any

import pytest
from django.test import Client

from tests.cna.fake_cve_services import FakeCveServices
from tests.conftest import Personas, build_report
from tests.fixes.fakegithub import FakeGitHub
from tests.mail.conftest import Sink
from vulndesk.advisories import services as adv
from vulndesk.cna import services as cna
from vulndesk.cna.adapter import validate_container
from vulndesk.core.errors import TransitionRefused
from vulndesk.fixes import services as fx
from vulndesk.mail import outbox
from vulndesk.public.models import PublicationStep
from vulndesk.public.services import public_settings_update
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, State

LABELS = ["release-blocker", "security"]


def test_high_severity_report_from_private_fix_to_publication(
    personas: Personas,
    github: FakeGitHub,
    sink: Sink,
    fake_cve: FakeCveServices,
    django_capture_on_commit_callbacks: Any,
) -> None:
    p = personas
    public_settings_update(
        p.team,
        actor=p.admin,
        contact=["mailto:security@example.test"],
        base_url="https://security.example.test",
        default_site=True,
    )
    cna.cna_policy_set(p.team, actor=p.admin, publish_records=True)
    report = build_report(p, State.FIXING, severity="High")
    fake_cve.add_reserved(report.cve_id)
    client = Client()

    # Private fix: the GitHub advisory, its private fork, then the coordinator's approval.
    fx.ghsa_mirror(report, actor=p.member, credit_logins={"rita-gh": "finder"})
    link = fx.private_fork_create(report, actor=p.member)
    assert link.private_fork.startswith("python/cpython-ghsa-")
    github.state.add_pull("python", "cpython", 9001, base="3.12", labels=LABELS)
    url_main = "https://github.com/python/cpython/pull/9001"
    with pytest.raises(TransitionRefused, match="approve the private fix"):
        fx.pr_link(report, actor=p.member, url=url_main)
    rs.report_approve_private_fix(report, actor=p.member)

    # Public PRs with the policy's labels on two branches, merged on GitHub.
    fx.fix_targets_set(report, actor=p.member, branches=["3.12", "3.13"])
    github.state.add_pull("python", "cpython", 9002, base="3.13", labels=LABELS)
    fx.pr_link(report, actor=p.member, url=url_main)
    fx.pr_link(report, actor=p.member, url="https://github.com/python/cpython/pull/9002")
    github.state.merge("python", "cpython", 9001)
    github.state.merge("python", "cpython", 9002)
    fx.pr_refresh(report, actor=p.member)
    report.refresh_from_db()
    assert report.state == State.FIXED

    # First releases with the fix, the advisory, the reporter told and credited.
    fx.fix_target_release(report, actor=p.member, branch="3.12", version="3.12.9")
    fx.fix_target_release(report, actor=p.member, branch="3.13", version="3.13.2")
    for branch in ("3.12", "3.13"):
        adv.branch_set(p.project, actor=p.admin, name=branch)
    rs.report_tell_reporter(report, actor=p.member)
    rs.report_set_credit(report, actor=p.reporter, wanted=True, name="Rita Reporter")
    rs.report_set_advisory(
        report,
        actor=p.member,
        title="Heap overflow in _pickle.Unpickler",
        description="Crafted pickle frames overflow a heap buffer.",
        affected_versions="Python 3.13 and earlier",
        affected_components="_pickle.Unpickler",
    )
    adv.advisory_set_affected(report, actor=p.member, fixed_in={"3.12": "3.12.9", "3.13": "3.13.2"})
    assert client.get(f"/advisories/{report.cve_id}/").status_code == 404  # nothing public yet

    with django_capture_on_commit_callbacks(execute=True):
        rs.report_publish(report, actor=p.member)
    steps = list(PublicationStep.objects.filter(report=report).order_by("done_at"))
    assert [(s.name, s.status) for s in steps] == [
        ("public-page", "done"),
        ("announcement", "done"),
        ("cve-record", "done"),
    ], [(s.name, s.last_error) for s in steps]

    # 1. The public page, Atom, OSV and CSAF.
    page = client.get(f"/advisories/{report.cve_id}/").content.decode()
    assert "Heap overflow in _pickle.Unpickler" in page
    assert url_main in page
    assert "3.12.9" in page
    assert "3.13.2" in page
    assert report.cve_id in client.get("/advisories/feed.atom").content.decode()
    osv = client.get(f"/advisories/osv/{report.key}.json").json()
    assert osv["aliases"] == [report.cve_id]
    assert {r["url"] for r in osv["references"]} >= {url_main}
    csaf = client.get("/.well-known/csaf/provider-metadata.json").json()
    assert csaf["publisher"]["name"] == "PSRT"
    (path,) = client.get("/.well-known/csaf/white/index.txt").content.decode().split()
    document = client.get(f"/.well-known/csaf/white/{path}").json()
    assert document["vulnerabilities"][0]["cve"] == report.cve_id
    assert path in client.get("/.well-known/csaf/white/changes.csv").content.decode()

    # 2. The announcement reaches a real SMTP server.
    outbox.run_once()
    (envelope,) = [e for e in sink.capture.envelopes if "announce@example.test" in e.rcpt_tos]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"].startswith(f"[{report.cve_id}]")
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "HIGH severity" in body.get_content()

    # 3. The CVE record, a CNA container that validates.
    (call,) = fake_cve.calls("cveCnaCreateSingle")
    container = call["body"]["cnaContainer"]
    validate_container(container)
    assert url_main in json.dumps(container["references"])
    report = Report.objects.get(pk=report.pk)
    assert report.cve_published_at is not None

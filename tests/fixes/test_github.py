"""The GitHub adapter against the fake GitHub: advisories both ways, imports, private forks,
and the fake itself refusing what GitHub's description does not allow."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Personas, build_report
from tests.fixes.fakegithub import FakeGitHub, seed_private_report
from vulndesk.core.errors import NotFound, TransitionRefused
from vulndesk.fixes import services as fx
from vulndesk.fixes.github import GitHubError
from vulndesk.fixes.models import AdvisoryLink
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, Source, State


def test_mirror_creates_then_updates_the_repository_advisory(
    personas: Personas, github: FakeGitHub
) -> None:
    report = build_report(personas, State.FIXING, severity="Medium")
    rs.report_set_advisory(
        report,
        actor=personas.member,
        title="Overflow in zipfile",
        description="Long names overflow.",
        affected_versions="3.12 and earlier",
        affected_components="zipfile.ZipFile\nzipfile.Path",
    )
    fx.fix_targets_set(report, actor=personas.member, branches=["3.12"])
    link = fx.ghsa_mirror(
        report, actor=personas.member, credit_logins={"rita-gh": "finder", "bob-gh": "coordinator"}
    )
    assert link.repository == "python/cpython"
    stored = github.state.advisories[("python", "cpython", link.ghsa_id)]
    assert stored["summary"] == "Overflow in zipfile"
    assert stored["severity"] == "medium"
    assert stored["cve_id"] == report.cve_id
    assert stored["credits"] == [
        {"login": "rita-gh", "type": "finder"},
        {"login": "bob-gh", "type": "coordinator"},
    ]
    assert stored["vulnerabilities"][0]["vulnerable_functions"] == [
        "zipfile.ZipFile",
        "zipfile.Path",
    ]
    rs.report_set_advisory(report, actor=personas.member, title="Overflow in zipfile.Path")
    again = fx.ghsa_mirror(report, actor=personas.member)
    assert again.pk == link.pk
    assert github.state.advisories[("python", "cpython", link.ghsa_id)]["summary"] == (
        "Overflow in zipfile.Path"
    )
    methods = [(m, p.rsplit("/", 1)[-1]) for m, p, _ in github.requests]
    assert methods == [("POST", "security-advisories"), ("PATCH", link.ghsa_id)]


def test_pull_back_fills_empty_advisory_fields_from_github(
    personas: Personas, github: FakeGitHub
) -> None:
    report = build_report(personas, State.FIXING)
    link = fx.ghsa_mirror(report, actor=personas.member)
    github.state.advisories[("python", "cpython", link.ghsa_id)].update(
        summary="Written on GitHub", description="Text from GitHub.", state="draft"
    )
    fx.ghsa_pull(report, actor=personas.member)
    report.refresh_from_db()
    assert report.advisory_title == "Written on GitHub"
    assert report.advisory_description == "Text from GitHub."
    link.refresh_from_db()
    assert link.state == "draft"


def test_import_private_reports_into_the_inbox_once(personas: Personas, github: FakeGitHub) -> None:
    ghsa = seed_private_report(
        github,
        "python",
        "cpython",
        summary="Heap overflow in _ssl",
        description="Details.",
        reporter="octo-reporter",
    )
    imported = fx.ghsa_import(personas.team, actor=personas.admin, repository="python/cpython")
    assert len(imported) == 1
    report = Report.objects.get(pk=imported[0].pk)
    assert (report.state, report.source, report.title) == (
        State.NEW,
        Source.GHSA,
        "Heap overflow in _ssl",
    )
    assert report.project == personas.project
    assert report.reporter.email == "octo-reporter@users.noreply.github.com"
    assert AdvisoryLink.objects.get(report=report).ghsa_id == ghsa
    assert fx.ghsa_import(personas.team, actor=personas.admin, repository="python/cpython") == []
    with pytest.raises(NotFound):
        fx.ghsa_import(personas.team, actor=personas.other_admin, repository="python/cpython")


def test_private_fork_only_for_high_and_critical(personas: Personas, github: FakeGitHub) -> None:
    medium = build_report(personas, State.FIXING, severity="Medium")
    fx.ghsa_mirror(medium, actor=personas.member)
    with pytest.raises(TransitionRefused, match="only High, Critical"):
        fx.private_fork_create(medium, actor=personas.member)
    high = build_report(personas, State.FIXING, severity="High")
    with pytest.raises(NotFound, match="mirror it first"):
        fx.private_fork_create(high, actor=personas.member)
    fx.ghsa_mirror(high, actor=personas.member, repository="python/cpython")
    link = fx.private_fork_create(high, actor=personas.member)
    assert link.private_fork == f"python/cpython-{link.ghsa_id.lower()}"
    high.refresh_from_db()
    assert high.private_fix_url == f"https://github.com/{link.private_fork}"
    assert fx.private_fork_create(high, actor=personas.member).pk == link.pk  # idempotent


def test_github_outage_is_a_clear_error(personas: Personas, github: FakeGitHub) -> None:
    report = build_report(personas, State.FIXING)
    github.fail_next.append(403)
    with pytest.raises(GitHubError, match=r"\(403\).*permission"):
        fx.ghsa_mirror(report, actor=personas.member)
    assert not AdvisoryLink.objects.filter(report=report).exists()


def test_fake_refuses_requests_outside_the_description(github: FakeGitHub) -> None:
    headers = {"Authorization": f"Bearer {github.token}"}
    base = github.url + "/repos/python/cpython"
    bad = [
        httpx.get(base + "/pulls/abc", headers=headers),  # pull_number is an integer
        httpx.get(base + "/branches", headers=headers),  # not described
        httpx.post(base + "/security-advisories", headers=headers, json={"summary": "x"}),
        httpx.get(base + "/security-advisories?state=bogus", headers=headers),
        httpx.get(base + "/pulls/1"),  # no token
    ]
    assert [r.status_code for r in bad] == [422, 404, 422, 422, 401]
    assert len(github.violations) == 5
    assert "required property" in github.violations[2]
    github.violations.clear()

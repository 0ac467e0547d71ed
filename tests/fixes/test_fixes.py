"""Fix tracking: branches, PRs read from (fake) GitHub, labels, waivers, release-check."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Personas, build_report
from tests.fixes.fakegithub import FakeGitHub
from vulndesk.cli import main
from vulndesk.core.errors import NotFound, TransitionRefused, ValidationFailed
from vulndesk.fixes import services as fx
from vulndesk.fixes.github import GitHubError
from vulndesk.fixes.selectors import fix_matrix
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, State

LABELS = ["release-blocker", "security"]
PR = "https://github.com/python/cpython/pull/{}"


def _ready_to_publish(p: Personas, report: Report) -> None:
    rs.report_tell_reporter(report, actor=p.member)
    rs.report_set_credit(report, actor=p.reporter, wanted=True, name="Rita")
    rs.report_set_advisory(
        report,
        actor=p.member,
        title="Overflow in foo",
        description="A crafted value overflows.",
        affected_versions="3.12 and earlier",
        whole_project=True,
    )


def test_pr_link_reads_labels_branch_and_merge_from_github(
    personas: Personas, github: FakeGitHub
) -> None:
    report = build_report(personas, State.FIXING)
    github.state.add_pull("python", "cpython", 101, base="3.12", labels=LABELS)
    pr = fx.pr_link(report, actor=personas.member, url=PR.format(101))
    assert (pr.branch, pr.labels, pr.merged_at) == ("3.12", LABELS, None)
    assert report.fix_targets.filter(branch="3.12").exists()
    github.state.add_pull("python", "cpython", 102, base="3.11", labels=["security"])
    with pytest.raises(ValidationFailed, match="lacks the label"):
        fx.pr_link(report, actor=personas.member, url=PR.format(102))
    with pytest.raises(ValidationFailed, match="is an issue"):
        fx.pr_link(report, actor=personas.member, url="https://github.com/python/cpython/issues/7")
    with pytest.raises(GitHubError, match=r"\(404\)"):
        fx.pr_link(report, actor=personas.member, url=PR.format(999))


def test_pr_refresh_records_merge_and_label_loss(personas: Personas, github: FakeGitHub) -> None:
    report = build_report(personas, State.FIXING)
    github.state.add_pull("python", "cpython", 201, base="3.12", labels=LABELS)
    fx.pr_link(report, actor=personas.member, url=PR.format(201))
    github.state.merge("python", "cpython", 201)
    changes = fx.pr_refresh(report, actor=personas.member)
    assert changes[0]["newly_merged"] is True
    assert changes[0]["counted"] is True
    report.refresh_from_db()
    assert report.state == State.FIXED
    pr = report.fix_prs.get()
    assert pr.merge_commit == "0000201" + "e" * 33
    github.state.pulls[("python", "cpython", 201)]["labels"] = ["security"]
    changes = fx.pr_refresh(report, actor=personas.member)
    assert changes[0]["counted"] is False
    assert changes[0]["labels_before"] == LABELS
    _ready_to_publish(personas, report)
    with pytest.raises(TransitionRefused, match="lack the labels security and release-blocker"):
        rs.report_publish(report, actor=personas.member)


def test_every_target_branch_merged_or_waived_before_publication(
    personas: Personas, github: FakeGitHub
) -> None:
    report = build_report(personas, State.FIXING)
    fx.fix_targets_set(report, actor=personas.member, branches=["3.12", "3.11", "3.9"])
    for number, branch in ((301, "3.12"), (302, "3.11")):
        github.state.add_pull("python", "cpython", number, base=branch, labels=LABELS, merged=True)
        fx.pr_link(report, actor=personas.member, url=PR.format(number))
    report.refresh_from_db()
    assert report.state == State.FIXED
    _ready_to_publish(personas, report)
    with pytest.raises(TransitionRefused, match=r"not merged on 3\.9"):
        rs.report_publish(report, actor=personas.member)
    with pytest.raises(ValidationFailed, match="needs a reason"):
        fx.fix_target_waive(report, actor=personas.member, branch="3.9", reason=" ")
    with pytest.raises(NotFound):
        fx.fix_target_waive(report, actor=personas.member, branch="2.7", reason="EOL")
    fx.fix_target_waive(report, actor=personas.member, branch="3.9", reason="3.9 is end of life")
    with pytest.raises(ValidationFailed, match="already has a fix PR"):
        fx.fix_targets_set(report, actor=personas.member, branches=["3.9"])
    matrix = fix_matrix(report, user=personas.member)
    assert [(b["branch"], b["status"]) for b in matrix["branches"]] == [
        ("3.11", "merged"),
        ("3.12", "merged"),
        ("3.9", "waived"),
    ]
    rs.report_publish(report, actor=personas.member)
    report.refresh_from_db()
    assert report.state == State.PUBLISHED


def test_matrix_is_for_the_team_and_collaborators_only(personas: Personas) -> None:
    report = build_report(personas, State.FIXING)
    rs.collaborator_invite(report, actor=personas.member, user=personas.collaborator)
    assert fix_matrix(report, user=personas.collaborator)["report"] == report.key
    for outsider in (personas.reporter, personas.other_reporter, personas.other_admin):
        with pytest.raises(NotFound):
            fix_matrix(report, user=outsider)


def test_without_a_token_urls_and_labels_are_entered_by_hand(personas: Personas) -> None:
    report = build_report(personas, State.FIXING)
    pr = fx.pr_link(report, actor=personas.member, url=PR.format(401), branch="3.13", labels=LABELS)
    assert (pr.branch, pr.labels) == ("3.13", LABELS)
    with pytest.raises(GitHubError, match="not configured"):
        fx.pr_refresh(report, actor=personas.member)


def _cli(capsys: Any, *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().out


def test_release_check_fails_until_the_labelled_pr_is_merged(
    personas: Personas, github: FakeGitHub, capsys: Any
) -> None:
    report = build_report(personas, State.FIXING)
    github.state.add_pull("python", "cpython", 501, base="3.12", labels=LABELS)
    fx.pr_link(report, actor=personas.member, url=PR.format(501))
    code, out = _cli(capsys, "release-check", "psrt/cpython", "3.12.5", "--as", "bob", "--json")
    assert code == 1
    assert '"unmerged": 1' in out
    assert report.key in out
    code, _ = _cli(capsys, "release-check", "psrt/cpython", "3.11.9", "--as", "bob")
    assert code == 0  # nothing targets 3.11
    github.state.merge("python", "cpython", 501)
    code, out = _cli(capsys, "release-check", "psrt/cpython", "3.12.5", "--as", "bob", "--refresh")
    assert code == 0, out
    fx.fix_target_release(report, actor=personas.member, branch="3.12", version="3.12.5")
    result = fx.release_check(personas.team, "cpython", "3.12.6", actor=personas.member)
    assert result["fixes"] == []  # released: no longer pending
    code, _ = _cli(capsys, "release-check", "psrt/cpython", "3.12.5", "--as", "rita")
    assert code == 1  # a reporter may not list the team's pending fixes


def test_release_of_an_unmerged_fix_is_refused(personas: Personas) -> None:
    report = build_report(personas, State.FIXING)
    fx.fix_targets_set(report, actor=personas.member, branches=["3.12"])
    with pytest.raises(TransitionRefused, match="not merged"):
        fx.fix_target_release(report, actor=personas.member, branch="3.12", version="3.12.5")

"""One-click outcomes, merging duplicates and flagging senders."""

from __future__ import annotations

from typing import Any

import pytest

from vulndesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from vulndesk.reports.models import Comment, State, TimelineEvent
from vulndesk.triage.models import DuplicateLink, ReporterFlag
from vulndesk.triage.services import (
    merged_timeline,
    report_merge_into,
    reporter_flag,
    reporter_unflag,
    triage_outcome,
)


def shared_comments(report: Any) -> list[str]:
    return list(
        Comment.objects.filter(report=report, visibility="shared").values_list("body", flat=True)
    )


def test_spam_closes_without_reply(personas: Any, new_report: Any) -> None:
    report = triage_outcome(new_report(), actor=personas.admin, outcome="spam")
    assert report.state == State.SPAM
    assert shared_comments(report) == []


def test_plausible_moves_to_triage(personas: Any, new_report: Any) -> None:
    assert triage_outcome(new_report(), actor=personas.admin, outcome="plausible").state == (
        State.TRIAGE
    )


def test_misdirected_replies_with_where_to_report(personas: Any, new_report: Any) -> None:
    report = new_report("requests leaks headers", "requests keeps the header; requests.get(...)")
    report = triage_outcome(report, actor=personas.admin, outcome="misdirected")
    assert report.state == State.MISDIRECTED
    (reply,) = shared_comments(report)
    assert "https://github.com/psf/requests/security" in reply


def test_invalid_from_new_rejects_with_the_template(personas: Any, new_report: Any) -> None:
    report = triage_outcome(
        new_report(), actor=personas.admin, outcome="invalid", note="Documented behaviour."
    )
    assert report.state == State.REJECTED
    assert report.coordinator == personas.admin
    assert any("doesn't constitute" in body for body in shared_comments(report))


def test_only_admins_triage_new_reports(personas: Any, new_report: Any) -> None:
    with pytest.raises(PermissionDenied):
        triage_outcome(new_report(), actor=personas.member, outcome="spam")
    with pytest.raises(NotFound):
        triage_outcome(new_report(), actor=personas.other_admin, outcome="spam")
    with pytest.raises(ValidationFailed, match="Outcome must be one of"):
        triage_outcome(new_report(), actor=personas.admin, outcome="maybe")


def test_merge_into_keeps_both_timelines(personas: Any, new_report: Any) -> None:
    original = new_report("Path traversal in zipfile.Path", "zipfile.Path escapes with ../")
    dup = new_report("zipfile.Path traversal with ../", "Same: zipfile.Path ../ escapes")
    dup = triage_outcome(dup, actor=personas.admin, outcome="duplicate", duplicate_of=original.key)
    assert dup.state == State.WITHDRAWN
    assert dup.close_reason.startswith(f"Duplicate of {original.key}")
    link = DuplicateLink.objects.get(report=dup)
    assert link.original == original
    assert link.score is not None
    assert link.score > 0.2
    assert TimelineEvent.objects.filter(report=dup, action="triage:duplicate:merge").exists()
    assert TimelineEvent.objects.filter(report=original, action="triage:duplicate:add").exists()
    events = merged_timeline(original)
    assert {e.report_id for e in events} == {original.pk, dup.pk}
    assert any(original.key in body for body in shared_comments(dup))


def test_merge_refusals(personas: Any, new_report: Any) -> None:
    a, b, c = new_report("a"), new_report("b"), new_report("c")
    with pytest.raises(ValidationFailed, match="itself"):
        report_merge_into(a, actor=personas.admin, into=a.key)
    report_merge_into(b, actor=personas.admin, into=a.key)
    with pytest.raises(ValidationFailed, match=f"duplicate of {a.key}"):
        report_merge_into(c, actor=personas.admin, into=b.key)
    with pytest.raises(ValidationFailed, match="Say which report"):
        triage_outcome(c, actor=personas.admin, outcome="duplicate")
    from vulndesk.reports import services as rs

    foreign = rs.report_create(team=personas.other_team, reporter_email="q@q.test", title="x")
    with pytest.raises(NotFound):
        report_merge_into(c, actor=personas.admin, into=foreign.key)


def test_flag_reporter_is_admin_only_and_reversible(personas: Any, new_report: Any) -> None:
    new_report(sender="junk@s.test")
    with pytest.raises(PermissionDenied):
        reporter_flag(personas.team, actor=personas.member, email="junk@s.test", reason="x")
    with pytest.raises(NotFound):
        reporter_flag(
            personas.other_team, actor=personas.other_admin, email="junk@s.test", reason="x"
        )
    with pytest.raises(ValidationFailed):
        reporter_flag(personas.team, actor=personas.admin, email="junk@s.test", reason=" ")
    reporter_flag(personas.team, actor=personas.admin, email="JUNK@s.test", reason="Junk.")
    reporter_flag(personas.team, actor=personas.admin, email="junk@s.test", reason="Again.")
    assert ReporterFlag.objects.get().reason == "Again."
    reporter_unflag(personas.team, actor=personas.admin, email="junk@s.test")
    assert not ReporterFlag.objects.exists()

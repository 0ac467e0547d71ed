"""The timeline: every action writes an event (actor, action code, before/after, time) in
the same transaction as the change, and nothing can alter or remove an event."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from tests.conftest import Personas, build_report
from tests.reports.conftest import ready_report
from vulndesk.core import clock
from vulndesk.core.errors import ApplicationError
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, State, TimelineEvent
from vulndesk.reports.selectors import report_detail


def test_every_step_of_the_process_is_on_the_timeline(personas: Personas) -> None:
    report = build_report(personas, State.PUBLISHED)
    actions = list(report.timeline.values_list("action", flat=True))
    for code in (
        "report:create",
        "report:coordinator:assign",
        "cve:id:assign",
        "report:severity:set",
        "fix:plan:set",
        "report:reporter:tell",
        "report:credit:set",
        "advisory:edit",
        "fix:pr:add",
        "fix:pr:merge",
    ):
        assert code in actions, code
    moves = [
        (e.before["state"], e.after["state"])
        for e in report.timeline.filter(action="report:state:change")
    ]
    assert moves == [
        ("new", "triage"),
        ("triage", "accepted"),
        ("accepted", "fixing"),
        ("fixing", "fixed"),
        ("fixed", "published"),
    ]
    for event in report.timeline.all():
        assert event.at is not None
        assert event.actor_label
    by_member = report.timeline.filter(actor=personas.member)
    assert by_member.filter(action="report:severity:set").exists()
    assert report.timeline.get(action="report:credit:set").actor == personas.reporter


def test_events_carry_the_time_of_the_clock(personas: Personas) -> None:
    report = build_report(personas, State.TRIAGE)
    at = dt.datetime(2030, 3, 4, 5, 6, tzinfo=dt.UTC)
    with clock.frozen(at):
        rs.report_assign(report, actor=personas.admin, coordinator=personas.member)
        comment = rs.comment_add(report, actor=personas.member, body="Looking.")
    assert [e.at for e in report.timeline.filter(at=at)] == [at, at]
    assert comment.created_at == at  # model defaults follow the clock too
    report.refresh_from_db()
    assert report.coordinator_assigned_at == at


def test_before_and_after_record_the_change(personas: Personas) -> None:
    report = build_report(personas, State.ACCEPTED)
    rs.report_set_severity(report, actor=personas.member, severity="Low")
    rs.report_set_severity(report, actor=personas.member, severity="Medium")
    event = report.timeline.filter(action="report:severity:set").last()
    assert event is not None
    assert event.before["severity"] == "Low"
    assert event.after["severity"] == "Medium"


def test_mail_gateway_events_name_the_sender(personas: Personas) -> None:
    report = rs.report_create(
        team=personas.team, reporter_email="Someone@Example.test", title="Bug", source="email"
    )
    event = report.timeline.get()
    assert event.actor is None
    assert event.actor_label == "someone@example.test"


def test_a_refused_action_writes_nothing(personas: Personas) -> None:
    report = ready_report(personas, State.FIXED)
    Report.objects.filter(pk=report.pk).update(advisory_title="")
    before = report.timeline.count()
    with pytest.raises(ApplicationError):
        rs.report_publish(report, actor=personas.member)
    assert report.timeline.count() == before


def test_the_change_and_its_event_share_one_transaction(personas: Personas) -> None:
    report = build_report(personas, State.TRIAGE)
    before = report.timeline.count()

    def crash_after_the_service() -> None:
        with transaction.atomic():
            rs.report_assign(report, actor=personas.admin, coordinator=personas.member)
            raise RuntimeError("crash after the service")

    with pytest.raises(RuntimeError):
        crash_after_the_service()
    report.refresh_from_db()
    assert report.coordinator is None
    assert report.timeline.count() == before


def test_events_cannot_be_changed(personas: Personas) -> None:
    report = build_report(personas, State.TRIAGE)
    event = report.timeline.first()
    assert event is not None
    event.note = "rewritten"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        TimelineEvent.objects.filter(report=report).update(note="rewritten")
    with pytest.raises(TypeError, match="append-only"):
        report.timeline.update(note="rewritten")
    assert not TimelineEvent.objects.filter(note="rewritten").exists()


def test_events_cannot_be_deleted(personas: Personas) -> None:
    report = build_report(personas, State.TRIAGE)
    count = report.timeline.count()
    with pytest.raises(TypeError, match="append-only"):
        report.timeline.first().delete()  # type: ignore[union-attr]
    with pytest.raises(TypeError, match="append-only"):
        TimelineEvent.objects.all().delete()
    with pytest.raises(TypeError, match="append-only"):
        report.timeline.all().delete()
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        report.delete()  # a report with a history cannot be removed with it
    assert report.timeline.count() == count


def test_no_service_edits_the_timeline() -> None:
    """Services only ever create events: none of them calls update or delete on them."""
    import inspect

    source = inspect.getsource(rs)
    assert "TimelineEvent" not in source.replace("TimelineEvent,", "")
    from vulndesk.reports import timeline

    assert "objects.create(" in inspect.getsource(timeline.record)


def test_the_reporter_sees_only_shared_events_and_no_notes(personas: Personas) -> None:
    report = build_report(personas, State.REJECTED)
    rs.comment_add(report, actor=personas.admin, body="Internal: duplicate of #12.")
    mine = report_detail(report, user=personas.reporter)
    theirs = report_detail(report, user=personas.member)
    assert {e["action"] for e in mine["timeline"]} < {e["action"] for e in theirs["timeline"]}
    assert all(e["note"] == "" for e in mine["timeline"])
    assert "comment:internal:add" not in {e["action"] for e in mine["timeline"]}
    assert all(c["visibility"] == "shared" for c in mine["comments"])
    assert any("Internal: duplicate" in c["body"] for c in theirs["comments"])
    assert "collaborators" not in mine

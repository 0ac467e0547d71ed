"""Deadlines and reminders under a controlled clock: right time, right people, never twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from tests.triage.conftest import Clock
from vulndesk.reports import services as rs
from vulndesk.triage.deadlines import current_deadline, deadline_info, reminders_run
from vulndesk.triage.models import Reminder
from vulndesk.triage.services import policy_for, policy_set, rota_set

ALL = ["alice@example.test", "bob@example.test", "carol@example.test"]


def sent(report: Any) -> list[tuple[str, str, str]]:
    return [
        (r.deadline, r.stage, r.recipient)
        for r in Reminder.objects.filter(report=report).order_by("id")
    ]


def test_acknowledge_reminders_escalate_and_fire_once(
    personas: Any, new_report: Any, frozen_clock: Clock
) -> None:
    report = new_report()  # acknowledge within 3 days; first reminder 2 days before
    frozen_clock.advance(hours=12)
    reminders_run()
    assert sent(report) == []
    frozen_clock.advance(hours=13)  # 1 d 1 h in: 1 d 23 h left
    reminders_run()
    reminders_run()
    assert sent(report) == [("acknowledge", "soon", "alice@example.test")]
    frozen_clock.advance(days=1)  # 23 h left
    reminders_run()
    assert sent(report)[-1] == ("acknowledge", "last-day", "alice@example.test")
    frozen_clock.advance(days=1)  # overdue by 1 h: the whole team is told
    reminders_run()
    reminders_run()
    overdue = [r for r in sent(report) if r[1] == "overdue"]
    assert overdue == [("acknowledge", "overdue", email) for email in ALL]
    assert len(sent(report)) == 5


def test_a_late_run_sends_only_the_current_stage(
    personas: Any, new_report: Any, frozen_clock: Clock
) -> None:
    report = new_report()
    frozen_clock.advance(days=10)
    reminders_run()
    assert {r[1] for r in sent(report)} == {"overdue"}


def test_deadline_follows_the_state(personas: Any, new_report: Any, frozen_clock: Clock) -> None:
    policy = policy_for(personas.team)
    report = new_report()
    assert current_deadline(report, policy).name == "acknowledge"  # type: ignore[union-attr]
    rs.report_triage(report, actor=personas.admin, outcome="plausible")
    report.refresh_from_db()
    assert current_deadline(report, policy).name == "triage"  # type: ignore[union-attr]
    rs.report_assign(report, actor=personas.admin, coordinator=personas.member)
    report.refresh_from_db()
    deadline = current_deadline(report, policy)
    assert deadline is not None
    assert deadline.name == "decision"
    assert deadline.due_at == report.created_at + dt.timedelta(days=21)
    # Reminders about the decision go to the coordinator only, until it is overdue.
    frozen_clock.advance(days=20)
    reminders_run()
    assert sent(report) == [("decision", "last-day", "bob@example.test")]
    rs.report_reject(report, actor=personas.member, reason="Works as documented.")
    report.refresh_from_db()
    assert current_deadline(report, policy) is None


def test_countdown_in_the_team_time_zone(
    personas: Any, new_report: Any, frozen_clock: Clock
) -> None:
    policy_set(personas.team, actor=personas.admin, time_zone="Europe/Amsterdam")
    report = new_report()
    frozen_clock.advance(days=1)
    info = deadline_info(report, policy_for(personas.team), frozen_clock.at)
    assert info is not None
    assert info["due"] == "2026-03-05T10:00:00+01:00"
    assert info["countdown"] == "2 d 0 h left"
    assert info["overdue"] is False


def test_policy_refuses_bad_values(personas: Any) -> None:
    from vulndesk.core.errors import PermissionDenied, ValidationFailed

    with pytest.raises(ValidationFailed, match="time zone"):
        policy_set(personas.team, actor=personas.admin, time_zone="Mars/Olympus")
    with pytest.raises(ValidationFailed, match="backwards"):
        policy_set(personas.team, actor=personas.admin, fix_days=10)
    with pytest.raises(PermissionDenied):
        policy_set(personas.team, actor=personas.member, acknowledge_days=1)


def test_unique_constraint_forbids_a_second_identical_reminder(
    personas: Any, new_report: Any, frozen_clock: Clock
) -> None:
    report = new_report()
    frozen_clock.advance(days=5)
    reminders_run()
    first = Reminder.objects.filter(report=report).first()
    assert first is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            report=report,
            deadline=first.deadline,
            stage=first.stage,
            recipient=first.recipient,
            due_at=first.due_at,
            subject="again",
            body="again",
        )


def test_rota_assigns_idle_reports_respecting_absence(
    personas: Any, new_report: Any, frozen_clock: Clock
) -> None:
    rota_set(personas.team, actor=personas.admin, user=personas.member)
    rota_set(personas.team, actor=personas.admin, user=personas.member2)
    one, two, three = new_report("one"), new_report("two"), new_report("three")
    for report in (one, two, three):
        rs.report_triage(report, actor=personas.admin, outcome="plausible")
    frozen_clock.advance(days=2)
    assert reminders_run()["assigned"] == []  # not idle long enough (3 days)
    rota_set(
        personas.team,
        actor=personas.admin,
        user=personas.member2,
        away_until=frozen_clock.at + dt.timedelta(days=30),
    )
    frozen_clock.advance(days=1, minutes=1)
    summary = reminders_run()
    assert [a["coordinator"] for a in summary["assigned"]] == ["bob", "bob", "bob"]
    one.refresh_from_db()
    assert one.coordinator == personas.member
    assert ("decision", "assigned", "bob@example.test") in sent(one)


def test_rota_takes_turns_and_skips_excluded(
    personas: Any, new_report: Any, frozen_clock: Clock
) -> None:
    rota_set(personas.team, actor=personas.admin, user=personas.member)
    rota_set(personas.team, actor=personas.admin, user=personas.member2)
    rota_set(personas.team, actor=personas.admin, user=personas.admin, excluded=True)
    reports = [new_report(f"r{i}") for i in range(3)]
    for report in reports:
        rs.report_triage(report, actor=personas.admin, outcome="plausible")
    frozen_clock.advance(days=4)
    summary = reminders_run()
    assert [a["coordinator"] for a in summary["assigned"]] == ["bob", "carol", "bob"]


def test_reminders_go_to_the_mail_outbox_once(
    personas: Any, new_report: Any, frozen_clock: Clock
) -> None:
    from vulndesk.mail.models import OutboxMessage

    report = new_report()
    frozen_clock.advance(days=5)
    reminders_run()
    reminders_run()
    reminders = list(Reminder.objects.filter(report=report))
    assert [r.recipient for r in reminders] == ALL
    assert all(r.queued for r in reminders)
    assert "overdue" in reminders[0].subject
    assert report.key in reminders[0].subject
    mails = list(OutboxMessage.objects.filter(report=report, dedupe_key__startswith="triage-"))
    assert sorted(to for m in mails for to in m.to) == ALL
    assert all("Acknowledge the report" in m.body for m in mails)

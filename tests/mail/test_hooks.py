"""Workflow actions queue the right template mail, in the action's transaction."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Personas
from vulndesk.core.errors import PermissionDenied, TransitionRefused, ValidationFailed
from vulndesk.mail.models import OutboxMessage, TemplateOverride
from vulndesk.mail.services import announcement_queue, mail_preview, mail_send, template_set
from vulndesk.reports import services as rs
from vulndesk.reports.models import State

pytestmark = pytest.mark.django_db


def _mails(report: Any, template: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(report=report, template=template))


def test_reject_mails_the_reporter_the_reject_template(
    personas: Personas, make_report: Any
) -> None:
    report = make_report(State.REJECTED)
    (message,) = _mails(report, "reject")
    assert message.to == [personas.reporter.email]
    assert "doesn't constitute" in message.body
    assert report.timeline.filter(action="mail:queue").exists()


def test_tell_reporter_mails_cve_severity_and_credit_question(
    personas: Personas, make_report: Any
) -> None:
    report = make_report(State.FIXING)
    rs.report_tell_reporter(report, actor=personas.member)
    (message,) = _mails(report, "accept")
    assert report.cve_id in message.body
    assert "Medium" in message.body
    assert "credited" in message.body


def test_refused_action_queues_nothing(personas: Personas, make_report: Any) -> None:
    report = make_report(State.ACCEPTED)
    with pytest.raises(TransitionRefused):
        rs.report_tell_reporter(report, actor=personas.member)
    assert not OutboxMessage.objects.filter(report=report, template="accept").exists()


def test_invite_mails_the_collaborator(personas: Personas, make_report: Any) -> None:
    report = make_report(State.FIXING)
    rs.collaborator_invite(report, actor=personas.member, user=personas.collaborator)
    (message,) = _mails(report, "invite")
    assert message.to == [personas.collaborator.email]


def test_shared_comment_by_the_team_notifies_the_reporter_internal_does_not(
    personas: Personas, make_report: Any
) -> None:
    report = make_report(State.TRIAGE)
    rs.comment_add(report, actor=personas.member, body="internal only")
    assert _mails(report, "comment") == []
    rs.comment_add(
        report, actor=personas.member, body="Could you share a PoC?", visibility="shared"
    )
    (message,) = _mails(report, "comment")
    assert "Could you share a PoC?" in message.body
    assert "internal only" not in message.body


def test_publish_queues_the_announcement_once(
    personas: Personas, make_report: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report = make_report(State.PUBLISHED)
    (message,) = _mails(report, "announce")
    assert message.to == ["announce@example.test"]
    assert message.subject.startswith(f"[{report.cve_id}]")
    assert report.key not in message.subject  # the public list does not need our key
    assert announcement_queue(report).pk == message.pk  # type: ignore[union-attr]
    assert len(_mails(report, "announce")) == 1
    step = report.publication_steps.get(name="announcement")
    assert step.result["message_id"] == message.message_id


def test_team_override_replaces_the_shipped_template(personas: Personas, make_report: Any) -> None:
    template_set(
        personas.team,
        actor=personas.admin,
        name="reject",
        subject="[{{ report.key }}] Our decision",
        body="Not a vulnerability, sorry: {{ report.title }}",
    )
    report = make_report(State.REJECTED, title="Odd eval")
    (message,) = _mails(report, "reject")
    assert message.body.strip() == "Not a vulnerability, sorry: Odd eval"
    assert message.subject == f"[{report.key}] Our decision"


def test_only_admins_set_templates_and_bad_templates_are_refused(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        template_set(personas.team, actor=personas.member, name="reject", subject="s", body="b")
    with pytest.raises(ValidationFailed, match="does not compile"):
        template_set(
            personas.team, actor=personas.admin, name="reject", subject="s", body="{% if %}"
        )
    with pytest.raises(ValidationFailed, match="no message template"):
        template_set(personas.team, actor=personas.admin, name="nope", subject="s", body="b")
    assert not TemplateOverride.objects.exists()


def test_preview_then_edited_text_is_queued_and_kept_on_the_timeline(
    personas: Personas, make_report: Any
) -> None:
    report = make_report(State.NEW)
    preview = mail_preview(report, actor=personas.admin, template="use-private-form")
    assert "https://example.test/report" in preview.body
    edited = preview.body + "\nThanks, Alice\n"
    message = mail_send(report, actor=personas.admin, template="use-private-form", body=edited)
    assert message.body == edited
    event = report.timeline.get(action="mail:queue", after__template="use-private-form")
    assert event.note == edited


def test_outsiders_cannot_preview_or_send(personas: Personas, make_report: Any) -> None:
    from vulndesk.core.errors import NotFound

    report = make_report(State.NEW)
    for who in (personas.other_admin, personas.reporter, personas.collaborator):
        with pytest.raises((NotFound, PermissionDenied)):
            mail_send(report, actor=who, template="use-private-form")
        with pytest.raises((NotFound, PermissionDenied)):
            mail_preview(report, actor=who, template="reject")
    assert not OutboxMessage.objects.filter(template="use-private-form").exists()

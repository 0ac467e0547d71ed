"""Attachment downloads: every role, invisible is 404, never rendered inline."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from tests.conftest import Personas
from tests.web import login
from vulndesk.mail.ingest import ingest_bytes
from vulndesk.mail.models import Attachment
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def attachment(personas: Personas) -> Attachment:
    msg = EmailMessage()
    msg["From"] = personas.reporter.email
    msg["To"] = "security@example.test"
    msg["Subject"] = "PoC inside"
    msg["Message-ID"] = "<poc@example.test>"
    msg.set_content("see the file")
    msg.add_attachment(
        b"<script>alert(1)</script>", maintype="text", subtype="html", filename="poc.html"
    )
    raw = ingest_bytes(msg.as_bytes(), source="stdin")
    report = Report.objects.get(pk=raw.report_id)
    rs.report_triage(report, actor=personas.admin, outcome="plausible")
    rs.report_assign(report, actor=personas.admin, coordinator=personas.member)
    rs.collaborator_invite(report, actor=personas.member, user=personas.collaborator)
    return Attachment.objects.get(report=report)


EXPECTED = {
    "anonymous": 404,
    "reporter": 200,
    "other_reporter": 404,
    "collaborator": 200,
    "uninvited": 404,
    "member": 200,
    "admin": 200,
    "other_admin": 404,
}


@pytest.mark.parametrize(("role", "status"), sorted(EXPECTED.items()))
def test_attachment_download_by_role(
    personas: Personas, attachment: Attachment, client: Any, role: str, status: int
) -> None:
    from vulndesk.accounts.services import user_create

    users = {
        "reporter": personas.reporter,
        "other_reporter": personas.other_reporter,
        "collaborator": personas.collaborator,
        "member": personas.member,
        "admin": personas.admin,
        "other_admin": personas.other_admin,
    }
    if role == "uninvited":
        users[role] = user_create(username="uma", email="uma@example.test", password="x" * 12)
    if role in users:
        login(client, users[role])
    url = f"/mail/attachments/{attachment.report.key}/{attachment.sha256}/"  # type: ignore[union-attr]
    response = client.get(url)
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response.content == b"<script>alert(1)</script>"


def test_unknown_attachment_is_404(personas: Personas, attachment: Attachment, client: Any) -> None:
    login(client, personas.admin)
    assert client.get(f"/mail/attachments/{attachment.report.key}/{'0' * 64}/").status_code == 404  # type: ignore[union-attr]

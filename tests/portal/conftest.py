"""Helpers of the portal tests: the form's data and the link mailed to a reporter."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Personas
from vulndesk.mail.models import OutboxMessage

LINK = re.compile(r"https?://[^\s]+(/report/verify/[^\s/]+/)")


def form_data(p: Personas, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Heap overflow in zipfile.Path",
        "project": str(p.project.pk),
        "component": "zipfile.Path",
        "versions": "3.12.4, main at abc123",
        "description": "A crafted archive overflows a buffer.",
        "proof_of_concept": "python -c 'import zipfile; ...'",
        "impact": "A remote attacker who supplies an archive crashes the process.",
        "ai_used": "no",
        "ai_details": "",
        "credit": "later",
        "credit_name": "",
        "credit_type": "finder",
        "name": "Nadia Newcomer",
        "email": "nadia@example.test",
        "website": "",
    }
    data.update(overrides)
    return data


def verification_link(to: str) -> str:
    """The path of the newest confirmation link mailed to ``to``."""
    mails = OutboxMessage.objects.filter(template="portal-verify").order_by("-id")
    mail = next((m for m in mails if to in m.to), None)
    assert mail is not None, f"no confirmation mail to {to}"
    match = LINK.search(mail.body)
    assert match, mail.body
    return match.group(1)

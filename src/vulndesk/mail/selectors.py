"""Reads of the mail app: the raw inbox is for team admins only."""

from __future__ import annotations

from typing import Any

from vulndesk.accounts.models import Membership, Team, User
from vulndesk.accounts.permissions import is_team_admin
from vulndesk.core.errors import NotFound
from vulndesk.mail.models import RawMessage


def inbox_list(
    *, user: User, team: Team | None = None, problems_only: bool = False, limit: int = 200
) -> list[dict[str, Any]]:
    """Received messages of the teams ``user`` administers (unrouted ones: staff only)."""
    if team is not None:
        if not is_team_admin(user, team):
            raise NotFound(f"There is no team {team.slug!r}.")
        qs = RawMessage.objects.filter(team=team)
    else:
        admin_of = Membership.objects.filter(user=user, role=Membership.Role.ADMIN).values(
            "team_id"
        )
        qs = RawMessage.objects.filter(team_id__in=admin_of)
        if user.is_staff:
            qs = qs | RawMessage.objects.filter(team=None)
    if problems_only:
        qs = qs.exclude(status=RawMessage.Status.PROCESSED)
    rows = qs.select_related("report").order_by("-received_at", "-id")[:limit]
    return [
        {
            "sha256": raw.sha256,
            "received_at": raw.received_at.isoformat(timespec="seconds"),
            "source": raw.source,
            "status": raw.status,
            "kind": raw.kind,
            "sender": raw.sender,
            "subject": raw.subject,
            "report": raw.report.key if raw.report else None,
            "flags": raw.flags,
            "size": raw.size,
            "encrypted": raw.encrypted,
            "signature": raw.signature,
        }
        for raw in rows
    ]

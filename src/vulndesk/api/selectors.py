"""Reads for the API: a caller's reports with cursor pagination, public advisories."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any

from django.db.models import Q, QuerySet

from vulndesk.accounts.models import Membership, Team, User
from vulndesk.api.models import ApiToken
from vulndesk.core.errors import NotFound, ValidationFailed
from vulndesk.reports.models import Report, State
from vulndesk.reports.selectors import report_get, report_list


def encode_cursor(report: Report) -> str:
    raw = json.dumps([report.created_at.isoformat(), report.key]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, key = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return dt.datetime.fromisoformat(created), str(key)
    except (ValueError, TypeError, binascii.Error, UnicodeError) as exc:
        raise ValidationFailed(
            "The cursor is not one this API gave out; start again without it."
        ) from exc


def page(
    qs: QuerySet[Report], *, cursor: str | None, limit: int
) -> tuple[list[Report], str | None]:
    """Newest first; ``cursor`` is the last item of the previous page (stable under inserts)."""
    qs = qs.order_by("-created_at", "-key")
    if cursor:
        created, key = decode_cursor(cursor)
        if created.tzinfo is None:
            raise ValidationFailed("The cursor is not one this API gave out.")
        qs = qs.filter(Q(created_at__lt=created) | Q(created_at=created, key__lt=key))
    items = list(qs[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return items, encode_cursor(items[-1]) if more and items else None


def token_report_get(key: str, *, user: User, token: ApiToken | None) -> Report:
    """The report ``key`` if the user may see it and the token is not narrowed to another team."""
    report = report_get(key, user=user)
    if token is not None and token.team_id is not None and report.team_id != token.team_id:
        raise NotFound(f"There is no report {key}.")
    return report


def token_report_list(
    *,
    user: User,
    token: ApiToken | None,
    team_slug: str | None = None,
    state: str | None = None,
    severity: str | None = None,
    project_slug: str | None = None,
    coordinator: str | None = None,
) -> QuerySet[Report]:
    team = None
    if team_slug:
        team = Team.objects.filter(slug=team_slug).first()
        if team is None:
            return Report.objects.none()
    qs = report_list(
        user=user, team=team, state=state, severity=severity, project_slug=project_slug
    )
    if coordinator:
        qs = qs.filter(Q(coordinator__username=coordinator) | Q(coordinator__email=coordinator))
    if token is not None and token.team_id is not None:
        qs = qs.filter(team_id=token.team_id)
    return qs


def visible_teams(*, user: User, token: ApiToken | None) -> list[tuple[Team, str]]:
    """The teams the caller belongs to, with the role in each."""
    memberships = Membership.objects.filter(user=user).select_related("team")
    if token is not None and token.team_id is not None:
        memberships = memberships.filter(team_id=token.team_id)
    return [(m.team, m.role) for m in memberships.order_by("team__slug")]


def team_for_caller(slug: str, *, user: User, token: ApiToken | None) -> tuple[Team, str]:
    for team, role in visible_teams(user=user, token=token):
        if team.slug == slug:
            return team, role
    raise NotFound(f"There is no team {slug!r}.")


def published_advisories() -> QuerySet[Report]:
    return Report.objects.filter(state=State.PUBLISHED).select_related("team", "project")


def public_advisory(report: Report) -> dict[str, Any]:
    """What anyone may read of a published report: the advisory, nothing internal."""
    return {
        "key": report.key,
        "team": report.team.slug,
        "project": report.project.slug if report.project else None,
        "cve_id": report.cve_id or None,
        "severity": report.severity or None,
        "cvss_vector": report.cvss_vector or None,
        "title": report.advisory_title or report.title,
        "description": report.advisory_description,
        "affected_versions": report.affected_versions,
        "affected_components": report.affected_components,
        "mitigations": report.mitigations,
        "credit": report.credit_name if report.credit_wanted else None,
        "published_at": report.published_at.isoformat() if report.published_at else None,
        "fix_prs": [pr.url for pr in report.fix_prs.all()],
    }


def public_advisory_get(key: str) -> Report:
    report = published_advisories().filter(key=key.strip().upper()).first()
    if report is None:
        raise NotFound(f"There is no published advisory {key}.")
    return report

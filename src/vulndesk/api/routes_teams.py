"""/api/v1/me, /api/v1/teams: the caller, their teams, members and projects."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from vulndesk.accounts.models import Membership, Project, Team
from vulndesk.accounts.permissions import require_team_admin
from vulndesk.accounts.services import project_create, team_add_member, user_find
from vulndesk.api.auth import ADMIN, READ
from vulndesk.api.errors import ERROR_CODES, Problem
from vulndesk.api.models import ApiToken
from vulndesk.api.routes_reports import actor, caller
from vulndesk.api.schemas import MemberIn, MemberOut, MeOut, ProjectIn, ProjectOut, TeamOut
from vulndesk.api.selectors import team_for_caller, visible_teams

router = Router(tags=["teams"])


def token_dict(token: ApiToken) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": str(token.public_id),
        "name": token.name,
        "prefix": token.prefix,
        "scopes": token.scopes,
        "team": token.team.slug if token.team else None,
        "created_at": token.created_at.isoformat(),
        "expires_at": iso(token.expires_at),
        "last_used_at": iso(token.last_used_at),
    }


def project_dict(project: Project) -> dict[str, Any]:
    return {
        "slug": project.slug,
        "name": project.name,
        "repository_url": project.repository_url,
        "ecosystem": project.ecosystem,
        "package_name": project.package_name,
    }


def team_dict(team: Team, role: str) -> dict[str, Any]:
    return {
        "slug": team.slug,
        "name": team.name,
        "key_prefix": team.key_prefix,
        "role": role,
        "severity_levels": team.severity_levels,
        "private_fix_severities": team.private_fix_severities,
        "fix_labels": team.fix_labels,
        "projects": [project_dict(p) for p in team.projects.order_by("slug")],
    }


@router.get("/me", response={200: MeOut, ERROR_CODES: Problem}, auth=READ)
def me(request: HttpRequest) -> dict[str, Any]:
    """Who the token acts as, its teams and the token itself."""
    user = actor(request)
    token = caller(request).token
    assert token is not None
    return {
        "username": user.username,
        "email": user.email,
        "name": user.display_name,
        "teams": [t.slug for t, _ in visible_teams(user=user, token=token)],
        "token": token_dict(token),
    }


@router.get("/teams", response={200: list[TeamOut], ERROR_CODES: Problem}, auth=READ)
def list_teams(request: HttpRequest) -> list[dict[str, Any]]:
    """The teams you belong to."""
    return [
        team_dict(t, role)
        for t, role in visible_teams(user=actor(request), token=caller(request).token)
    ]


@router.get("/teams/{slug}", response={200: TeamOut, ERROR_CODES: Problem}, auth=READ)
def show_team(request: HttpRequest, slug: str) -> dict[str, Any]:
    """One of your teams and its policy."""
    team, role = team_for_caller(slug, user=actor(request), token=caller(request).token)
    return team_dict(team, role)


@router.get(
    "/teams/{slug}/members", response={200: list[MemberOut], ERROR_CODES: Problem}, auth=READ
)
def list_members(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    """Who is on the team, with roles."""
    team, _ = team_for_caller(slug, user=actor(request), token=caller(request).token)
    return [
        {
            "username": m.user.username,
            "email": m.user.email,
            "name": m.user.display_name,
            "role": m.role,
        }
        for m in Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("user__username")
    ]


@router.post("/teams/{slug}/members", response={201: MemberOut, ERROR_CODES: Problem}, auth=ADMIN)
def add_member(request: HttpRequest, slug: str, data: MemberIn) -> Status[dict[str, Any]]:
    """Add a member or change their role (team admin, admin scope)."""
    user = actor(request)
    team, _ = team_for_caller(slug, user=user, token=caller(request).token)
    require_team_admin(user, team)  # before looking anyone up: no user probing
    membership = team_add_member(team, user=user_find(data.user), role=data.role, actor=user)
    member = membership.user
    return Status(
        201,
        {
            "username": member.username,
            "email": member.email,
            "name": member.display_name,
            "role": membership.role,
        },
    )


@router.get(
    "/teams/{slug}/projects", response={200: list[ProjectOut], ERROR_CODES: Problem}, auth=READ
)
def list_projects(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    """The projects the team covers."""
    team, _ = team_for_caller(slug, user=actor(request), token=caller(request).token)
    return [project_dict(p) for p in team.projects.order_by("slug")]


@router.post("/teams/{slug}/projects", response={201: ProjectOut, ERROR_CODES: Problem}, auth=ADMIN)
def add_project(request: HttpRequest, slug: str, data: ProjectIn) -> Status[dict[str, Any]]:
    """Add a project the team covers (team admin, admin scope)."""
    user = actor(request)
    team, _ = team_for_caller(slug, user=user, token=caller(request).token)
    project = project_create(
        team,
        slug=data.slug,
        name=data.name,
        repository_url=data.repository_url,
        ecosystem=data.ecosystem,
        package_name=data.package_name,
        actor=user,
    )
    return Status(201, project_dict(project))

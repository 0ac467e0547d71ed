"""Reads for the public site. Everything here reads PublishedAdvisory only (never a
report), so nothing unpublished can reach a public page, feed or search result."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from vulndesk.accounts.models import Project, Team
from vulndesk.core.errors import NotFound
from vulndesk.reports.models import State

from .models import PublicSettings, PublishedAdvisory


def published_advisories() -> QuerySet[PublishedAdvisory]:
    # A withdrawn-after-publication report would leave the state; only published count.
    return PublishedAdvisory.objects.filter(report__state=State.PUBLISHED).select_related(
        "team", "project"
    )


def advisory_search(query: str = "") -> QuerySet[PublishedAdvisory]:
    qs = published_advisories()
    for word in query.split()[:8]:
        qs = qs.filter(
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(cve_id__icontains=word)
            | Q(key__icontains=word)
            | Q(affected_components__icontains=word)
            | Q(project__name__icontains=word)
        )
    return qs


def advisory_get(public_id: str) -> PublishedAdvisory:
    advisory = (
        published_advisories().filter(Q(cve_id=public_id) | Q(key=public_id)).first()
        if public_id
        else None
    )
    if advisory is None:
        raise NotFound(f"There is no published advisory {public_id}.")
    return advisory


def project_get(team_slug: str, project_slug: str) -> Project:
    project = (
        Project.objects.select_related("team")
        .filter(team__slug=team_slug, slug=project_slug)
        .first()
    )
    if project is None:
        raise NotFound(f"There is no project {team_slug}/{project_slug}.")
    return project


def site_team() -> Team | None:
    """The team whose security.txt this site serves: the one marked default, else the
    only team there is."""
    row = PublicSettings.objects.filter(default_site=True).select_related("team").first()
    if row is not None:
        return row.team
    teams = list(Team.objects.all()[:2])
    return teams[0] if len(teams) == 1 else None

"""/api/v1/advisories: published advisories, for anyone (no token needed)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router

from vulndesk.api.auth import PUBLIC
from vulndesk.api.errors import ERROR_CODES, Problem
from vulndesk.api.schemas import In, PublicAdvisoryOut, PublicAdvisoryPageOut
from vulndesk.api.selectors import page, public_advisory, public_advisory_get, published_advisories

router = Router(tags=["public"])


class AdvisoryFilters(In):
    team: str | None = Field(None, max_length=50)
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)


@router.get("/advisories", response={200: PublicAdvisoryPageOut, ERROR_CODES: Problem}, auth=PUBLIC)
def list_advisories(request: HttpRequest, filters: Query[AdvisoryFilters]) -> dict[str, Any]:
    """Published advisories, newest first. Nothing unpublished is ever listed."""
    qs = published_advisories()
    if filters.team:
        qs = qs.filter(team__slug=filters.team)
    items, next_cursor = page(qs, cursor=filters.cursor, limit=filters.limit)
    return {"items": [public_advisory(r) for r in items], "next_cursor": next_cursor}


@router.get(
    "/advisories/{key}", response={200: PublicAdvisoryOut, ERROR_CODES: Problem}, auth=PUBLIC
)
def show_advisory(request: HttpRequest, key: str) -> dict[str, Any]:
    """One published advisory; anything unpublished is "not found"."""
    return public_advisory(public_advisory_get(key))

"""/api/v1/records and the CVE ID pool: exports (CVE JSON 5, OSV, CSAF) and pool IDs."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from vulndesk.api.auth import ACT, PUBLIC, READ
from vulndesk.api.errors import ERROR_CODES, Problem
from vulndesk.api.routes_reports import OUT, actor, caller, detail, load
from vulndesk.api.schemas import In
from vulndesk.api.selectors import team_for_caller
from vulndesk.core.errors import NotFound
from vulndesk.reports.models import State

router = Router(tags=["records"])


class CveIdOut(Schema):
    cve_id: str
    state: str
    source: str
    report: str | None
    reserved_at: str | None
    assigned_at: str | None
    published_at: str | None


class PoolFilters(In):
    state: str | None = Field(None, max_length=20)


class PoolAssignIn(In):
    cve_id: str = Field("", max_length=32, description="Empty: the next available pool ID.")


@router.get(
    "/records/{kind}/{key}", response={200: dict[str, Any], ERROR_CODES: Problem}, auth=PUBLIC
)
def export_record(
    request: HttpRequest, kind: Literal["cve", "osv", "csaf"], key: str
) -> dict[str, Any]:
    """A report's record: anyone once it is published, only its team before."""
    from vulndesk.advisories.selectors import record_for, report_for_export

    c = caller(request)
    report = report_for_export(key, user=c.user)
    token = c.token
    if (
        report.state != State.PUBLISHED
        and token is not None
        and token.team_id not in (None, report.team_id)
    ):
        raise NotFound(f"There is no published report {key}.")
    record: dict[str, Any] = record_for(kind, report.key, user=c.user)
    return record


@router.get(
    "/teams/{slug}/cve-ids", response={200: list[CveIdOut], ERROR_CODES: Problem}, auth=READ
)
def list_cve_ids(request: HttpRequest, slug: str, filters: Query[PoolFilters]) -> list[Any]:
    """The team's CVE ID pool (reserved, assigned, published, rejected IDs)."""
    from vulndesk.cna.services import cve_pool_list

    team, _ = team_for_caller(slug, user=actor(request), token=caller(request).token)

    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return [
        {
            "cve_id": row.cve_id,
            "state": row.state,
            "source": row.source,
            "report": row.report.key if row.report else None,
            "reserved_at": iso(row.reserved_at),
            "assigned_at": iso(row.assigned_at),
            "published_at": iso(row.published_at),
        }
        for row in cve_pool_list(team, actor=actor(request), state=filters.state or "")
    ]


@router.post("/reports/{key}/cve/assign", response=OUT, auth=ACT)
def assign_cve(request: HttpRequest, key: str, data: PoolAssignIn) -> dict[str, Any]:
    """Give the report a CVE ID from the team's pool (the next available, or the one named)."""
    from vulndesk.cna.services import cve_assign

    report = load(request, key)
    cve_assign(report, actor=actor(request), cve_id=data.cve_id)
    return detail(request, report)

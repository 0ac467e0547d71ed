"""Reading records: one report's CVE / OSV / CSAF record, or every published one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q

from vulndesk.accounts.models import Team, User
from vulndesk.accounts.permissions import require_team_member
from vulndesk.advisories.permissions import require_export
from vulndesk.core.errors import ApplicationError, NotFound, ValidationFailed
from vulndesk.reports.models import Report, State


def _builder(kind: str) -> Callable[[Report], dict[str, Any]]:
    from vulndesk.advisories.csaf import build_csaf_document
    from vulndesk.advisories.cve_json import build_cve_record
    from vulndesk.advisories.osv import build_osv_record

    builders = {"cve": build_cve_record, "osv": build_osv_record, "csaf": build_csaf_document}
    if kind not in builders:
        raise ValidationFailed(f"Record kind must be cve, osv or csaf, not {kind!r}.")
    return builders[kind]


def report_for_export(key: str, *, user: User | None) -> Report:
    """Report ``key`` (by key or CVE ID) if ``user`` may have its records."""
    report = (
        Report.objects.select_related("team", "project", "coordinator")
        .filter(Q(key=key) | Q(cve_id=key))
        .first()
    )
    if report is None:
        raise NotFound(f"There is no published report {key}.")
    require_export(user, report)
    return report


def record_for(kind: str, key: str, *, user: User | None) -> dict[str, Any]:
    """The ``kind`` record of report ``key``: anyone once published, the team before."""
    build = _builder(kind)
    return build(report_for_export(key, user=user))


def published_records(
    kind: str, *, team: Team, user: User
) -> list[tuple[Report, dict[str, Any] | None, str]]:
    """Every published report of ``team`` with its record, or why it has none
    (team members only). One incomplete advisory does not stop the others."""
    build = _builder(kind)
    require_team_member(user, team)
    reports = Report.objects.select_related("team", "project", "coordinator").filter(
        team=team, state=State.PUBLISHED
    )
    out: list[tuple[Report, dict[str, Any] | None, str]] = []
    for report in reports.order_by("key"):
        try:
            out.append((report, build(report), ""))
        except ApplicationError as exc:
            out.append((report, None, exc.message))
    return out


def record_filename(kind: str, report: Report, record: dict[str, Any]) -> str:
    if kind == "osv":
        return f"{record['id']}.json"
    return f"{report.cve_id or report.key}.{'csaf.' if kind == 'csaf' else ''}json"

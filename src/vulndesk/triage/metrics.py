"""The team's numbers: volumes, times to each milestone, junk rate, load, activity.

Computed from the reports' milestone fields in Python (a team has thousands of
reports, not millions). Percentiles use the nearest-rank method so a person can
check them by hand: p90 of n sorted values is value number ceil(0.9 n).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import statistics
from collections import Counter
from typing import Any

from vulndesk.accounts.models import Membership, Team
from vulndesk.core import clock
from vulndesk.reports.models import OPEN_STATES, Report, State

PHASES = ("acknowledge", "triage", "decision", "fix", "publish")
AGE_BUCKETS = ((7, "0-7 days"), (30, "8-30 days"), (90, "31-90 days"), (None, "over 90 days"))
OUTCOMES = ("open", "published", "rejected", "spam", "misdirected", "withdrawn")


def _milestone(report: Report, phase: str) -> dt.datetime | None:
    if phase == "acknowledge":
        times = [t for t in (report.triaged_at, report.closed_at) if t is not None]
        return min(times) if times else None
    return {
        "triage": report.coordinator_assigned_at,
        "decision": report.decided_at,
        "fix": report.fixed_at,
        "publish": report.published_at,
    }[phase]


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def outcome_of(report: Report) -> str:
    if report.state in OPEN_STATES:
        return "open"
    return str(report.state)


def team_metrics(
    team: Team, *, now: dt.datetime | None = None, year: int | None = None
) -> dict[str, Any]:
    """Every number of the dashboard; ``year`` picks the member-activity year."""
    now = now or clock.now()
    year = year or now.year
    reports = list(
        Report.objects.filter(team=team).select_related("coordinator", "project").order_by("id")
    )
    total = len(reports)
    by_state = Counter(str(r.state) for r in reports)
    months = []
    first = dt.date(now.year, now.month, 1)
    for back in range(11, -1, -1):
        y, m = divmod(first.year * 12 + first.month - 1 - back, 12)
        months.append(f"{y:04d}-{m + 1:02d}")
    per_month: dict[str, Counter[str]] = {month: Counter() for month in months}
    for r in reports:
        month = f"{r.created_at:%Y-%m}"
        if month in per_month:
            per_month[month][outcome_of(r)] += 1
    durations: dict[str, dict[str, Any]] = {}
    for phase in PHASES:
        days = [
            (done - r.created_at).total_seconds() / 86400
            for r in reports
            if (done := _milestone(r, phase)) is not None
        ]
        durations[phase] = {
            "count": len(days),
            "median_days": round(statistics.median(days), 2) if days else None,
            "p90_days": round(nearest_rank(days, 0.9), 2) if days else None,
        }
    open_reports = [r for r in reports if r.state in OPEN_STATES]
    ages: Counter[str] = Counter()
    for r in open_reports:
        age = (now - r.created_at).days
        for limit, label in AGE_BUCKETS:
            if limit is None or age <= limit:
                ages[label] += 1
                break
    load = Counter(r.coordinator.username if r.coordinator else "(none)" for r in open_reports)
    published = [r for r in reports if r.published_at is not None]
    members = Membership.objects.filter(team=team).select_related("user").order_by("user__username")
    activity = []
    for membership in members:
        mine = [r for r in reports if r.coordinator_id == membership.user_id]
        activity.append(
            {
                "member": membership.user.username,
                "coordinated": sum(
                    1
                    for r in mine
                    if r.coordinator_assigned_at and r.coordinator_assigned_at.year == year
                ),
                "decided": sum(1 for r in mine if r.decided_at and r.decided_at.year == year),
                "published": sum(1 for r in mine if r.published_at and r.published_at.year == year),
            }
        )
    junk = by_state[State.SPAM] + by_state[State.MISDIRECTED]
    return {
        "team": team.slug,
        "at": now.isoformat(),
        "total": total,
        "by_state": {s: by_state[s] for s in State.values if by_state[s]},
        "by_severity": dict(sorted(Counter(r.severity for r in reports if r.severity).items())),
        "by_project": dict(
            sorted(Counter(r.project.name if r.project else "(none)" for r in reports).items())
        ),
        "per_month": {m: {o: c[o] for o in OUTCOMES if c[o]} for m, c in per_month.items()},
        "durations": durations,
        "junk_rate": round(junk / total, 3) if total else 0.0,
        "open_by_age": {label: ages[label] for _, label in AGE_BUCKETS},
        "load": dict(sorted(load.items())),
        "advisories_per_year": dict(
            sorted(Counter(r.published_at.year for r in published if r.published_at).items())
        ),
        "advisories_per_project": dict(
            sorted(Counter(r.project.name if r.project else "(none)" for r in published).items())
        ),
        "activity_year": year,
        "activity": activity,
    }


def metrics_csv(data: dict[str, Any]) -> str:
    """Every number as ``metric,group,value`` rows (one file for spreadsheets)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["metric", "group", "value"])
    writer.writerow(["total", "", data["total"]])
    writer.writerow(["junk_rate", "", data["junk_rate"]])
    for name in ("by_state", "by_severity", "by_project", "open_by_age", "load"):
        for group, value in data[name].items():
            writer.writerow([name, group, value])
    for month, outcomes in data["per_month"].items():
        for outcome in OUTCOMES:
            writer.writerow([f"reports_{outcome}", month, outcomes.get(outcome, 0)])
    for phase, stats in data["durations"].items():
        for stat in ("count", "median_days", "p90_days"):
            value = stats[stat]
            writer.writerow([f"time_to_{phase}_{stat}", "", "" if value is None else value])
    for year, count in data["advisories_per_year"].items():
        writer.writerow(["advisories_per_year", year, count])
    for project, count in data["advisories_per_project"].items():
        writer.writerow(["advisories_per_project", project, count])
    for row in data["activity"]:
        for what in ("coordinated", "decided", "published"):
            writer.writerow([f"activity_{data['activity_year']}_{what}", row["member"], row[what]])
    return out.getvalue()

"""Triage actions: one-click outcomes, merging duplicates, flags, policy, index and rota.

Workflow moves go through vulndesk.reports.services so their guards and timeline hold;
this module adds what triage needs around them, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db import transaction

from vulndesk.accounts.models import Project, Reporter, Team, User
from vulndesk.accounts.permissions import is_team_member, require_team_admin
from vulndesk.core import clock
from vulndesk.core.errors import NotFound, TransitionRefused, ValidationFailed
from vulndesk.core.messages import render_message
from vulndesk.reports import permissions as perms
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, State
from vulndesk.reports.timeline import record
from vulndesk.triage.models import (
    ComponentIndex,
    DuplicateLink,
    ReporterFlag,
    RotaMember,
    TriagePolicy,
)

OUTCOMES = ("plausible", "spam", "misdirected", "invalid", "duplicate")


def policy_for(team: Team) -> TriagePolicy:
    policy, _ = TriagePolicy.objects.get_or_create(team=team)
    return policy


POLICY_DAYS = (
    "acknowledge_days",
    "triage_days",
    "decision_days",
    "fix_days",
    "publish_days",
    "remind_before_days",
    "rota_after_days",
)


def policy_set(team: Team, *, actor: User, time_zone: str = "", **days: int | None) -> TriagePolicy:
    """Change the team's deadlines (days after a report arrives) or time zone; admins only."""
    require_team_admin(actor, team)
    unknown = set(days) - set(POLICY_DAYS)
    if unknown:
        raise ValidationFailed(f"Unknown policy field(s): {', '.join(sorted(unknown))}.")
    policy = policy_for(team)
    changed: dict[str, Any] = {}
    for name, value in days.items():
        if value is None:
            continue
        if not isinstance(value, int) or value < 0 or value > 3650:
            raise ValidationFailed(f"{name} must be a whole number of days (0-3650).")
        changed[name] = value
    if time_zone:
        try:
            zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationFailed(f"Unknown time zone {time_zone!r}.") from exc
        changed["time_zone"] = time_zone
    for name, value in changed.items():
        setattr(policy, name, value)
    order = [policy.acknowledge_days, policy.decision_days, policy.fix_days, policy.publish_days]
    if order != sorted(order):
        raise ValidationFailed(
            "Deadlines count from the report's arrival and must not go backwards: "
            "acknowledge <= decision <= fix <= publish."
        )
    policy.save()
    return policy


# --------------------------------------------------------------------------- outcomes


def triage_outcome(
    report: Report,
    *,
    actor: User,
    outcome: str,
    note: str = "",
    duplicate_of: str = "",
    where: str = "",
) -> Report:
    """One click: plausible, spam (no reply), misdirected (reply naming where to report),
    invalid (not a vulnerability, with the reject reply) or duplicate of another report."""
    if outcome not in OUTCOMES:
        raise ValidationFailed(f"Outcome must be one of: {', '.join(OUTCOMES)}; not {outcome!r}.")
    if outcome == "duplicate":
        if not duplicate_of:
            raise ValidationFailed("Say which report this one duplicates.")
        return report_merge_into(report, actor=actor, into=duplicate_of, note=note)
    with transaction.atomic():
        if outcome in ("plausible", "spam"):
            return rs.report_triage(report, actor=actor, outcome=outcome, note=note)
        if outcome == "misdirected":
            if not where:
                from vulndesk.triage.assessment import misdirected_target, own_names

                target = misdirected_target(
                    f"{report.title}\n{report.body}", own_names(report.team)
                )
                where = f"{target[0]}: {target[1]}" if target else ""
            rs.report_triage(report, actor=actor, outcome="misdirected", note=note or where)
            message = render_message("misdirected", {"report": report, "where": where})
            rs.comment_add(report, actor=actor, body=message.body, visibility="shared")
            report.refresh_from_db()
            return report
        # invalid: not a vulnerability. A new report is triaged first and its admin
        # coordinates the decision (the workflow needs a coordinator to reject).
        if report.state == State.NEW:
            rs.report_triage(report, actor=actor, outcome="plausible", note="Triaged to close.")
        report.refresh_from_db()
        if report.coordinator_id is None:
            rs.report_assign(report, actor=actor, coordinator=actor)
        return rs.report_reject(report, actor=actor, reason=note or "Not a vulnerability.")


def report_merge_into(report: Report, *, actor: User, into: str, note: str = "") -> Report:
    """Close ``report`` as a duplicate of ``into``; both timelines stay and link each other."""
    from vulndesk.reports.selectors import report_get

    original = report_get(into, user=actor)
    if original.team_id != report.team_id:
        raise NotFound(f"There is no report {into} in {report.team.name}.")
    if original.pk == report.pk:
        raise ValidationFailed(f"{report.key} cannot be a duplicate of itself.")
    link = DuplicateLink.objects.filter(report=original).select_related("original").first()
    if link is not None:
        raise ValidationFailed(
            f"{original.key} is itself a duplicate of {link.original.key}; merge into that."
        )
    if DuplicateLink.objects.filter(report=report).exists():
        raise ValidationFailed(f"{report.key} is already merged into another report.")
    reason = f"Duplicate of {original.key}." + (f" {note}" if note else "")
    with transaction.atomic():
        if report.is_open:
            rs.report_withdraw(report, actor=actor, reason=reason)
        else:
            perms.require_coordinator_or_admin(actor, report)
        from vulndesk.triage.duplicates import similar_reports

        score = next(
            (m.score for m in similar_reports(report, limit=20) if m.key == original.key), None
        )
        DuplicateLink.objects.create(report=report, original=original, score=score, by=actor)
        record(
            report,
            actor=actor,
            action="triage:duplicate:merge",
            after={"into": original.key},
            note=note,
        )
        record(
            original,
            actor=actor,
            action="triage:duplicate:add",
            after={"duplicate": report.key},
            note=note,
        )
        if report.state != State.SPAM:
            message = render_message("duplicate", {"report": report, "original": original})
            rs.comment_add(report, actor=actor, body=message.body, visibility="shared")
    report.refresh_from_db()
    return report


def merged_timeline(report: Report) -> list[Any]:
    """The report's timeline with the events of the reports merged into it, in time order."""
    from vulndesk.reports.models import TimelineEvent

    ids = [
        report.pk,
        *DuplicateLink.objects.filter(original=report).values_list("report", flat=True),
    ]
    return list(TimelineEvent.objects.filter(report_id__in=ids).select_related("report"))


# --------------------------------------------------------------------------- flags


def reporter_flag(team: Team, *, actor: User, email: str, reason: str) -> ReporterFlag:
    """Mark a sender; their reports to this team show the flag. Admins only."""
    require_team_admin(actor, team)
    if not reason.strip():
        raise ValidationFailed("Say why the sender is flagged.")
    reporter = Reporter.objects.filter(email__iexact=email.strip()).first()
    if reporter is None or not Report.objects.filter(team=team, reporter=reporter).exists():
        raise NotFound(f"No report of {team.name} comes from {email}.")
    flag, created = ReporterFlag.objects.get_or_create(
        team=team, reporter=reporter, defaults={"reason": reason, "flagged_by": actor}
    )
    if not created:
        flag.reason = reason
        flag.flagged_by = actor
        flag.save(update_fields=["reason", "flagged_by", "updated_at"])
    return flag


def reporter_unflag(team: Team, *, actor: User, email: str) -> None:
    require_team_admin(actor, team)
    deleted, _ = ReporterFlag.objects.filter(
        team=team, reporter__email__iexact=email.strip()
    ).delete()
    if not deleted:
        raise NotFound(f"{email} is not flagged by {team.name}.")


def flagged_reporter_ids(team: Team) -> set[int]:
    return set(ReporterFlag.objects.filter(team=team).values_list("reporter_id", flat=True))


# --------------------------------------------------------------------------- API index


def api_index_load(project: Project, *, actor: User, names: list[str]) -> ComponentIndex:
    """Replace a project's public-API index (dotted names, one per entry)."""
    require_team_admin(actor, project.team)
    clean = sorted({n.strip() for n in names if n.strip() and not n.strip().startswith("#")})
    bad = [n for n in clean if not all(part.isidentifier() for part in n.split("."))]
    if bad:
        raise ValidationFailed(f"Not dotted Python names: {', '.join(bad[:5])}.")
    if not clean:
        raise ValidationFailed("The index is empty.")
    index, _ = ComponentIndex.objects.update_or_create(project=project, defaults={"names": clean})
    return index


# --------------------------------------------------------------------------- rota


def rota_set(
    team: Team,
    *,
    actor: User,
    user: User,
    position: int | None = None,
    excluded: bool | None = None,
    away_until: dt.datetime | None = None,
    back: bool = False,
) -> RotaMember:
    """Put a member in the on-call rota, or change their place, exclusion or absence."""
    require_team_admin(actor, team)
    if not is_team_member(user, team):
        raise ValidationFailed(f"{user} is not a member of {team.name}.")
    entry, _created = RotaMember.objects.get_or_create(
        team=team,
        user=user,
        defaults={"position": position if position is not None else team.rota.count()},
    )
    if position is not None:
        entry.position = position
    if excluded is not None:
        entry.excluded = excluded
    if away_until is not None:
        entry.away_until = away_until
    if back:
        entry.away_until = None
    entry.save()
    return entry


def rota_remove(team: Team, *, actor: User, user: User) -> None:
    require_team_admin(actor, team)
    deleted, _ = RotaMember.objects.filter(team=team, user=user).delete()
    if not deleted:
        raise NotFound(f"{user} is not in the rota of {team.name}.")


def rota_next(team: Team, *, now: dt.datetime | None = None) -> User | None:
    """Who is next on call: after the last one picked, skipping excluded, away and ex-members."""
    now = now or clock.now()
    policy = policy_for(team)
    entries = list(RotaMember.objects.filter(team=team).select_related("user"))
    if not entries:
        return None
    start = 0
    for i, entry in enumerate(entries):
        if entry.user_id == policy.rota_last_user_id:
            start = i + 1
    for step in range(len(entries)):
        entry = entries[(start + step) % len(entries)]
        if entry.excluded or (entry.away_until and entry.away_until > now):
            continue
        if is_team_member(entry.user, team):
            return entry.user
    return None


def rota_assign(report: Report, *, now: dt.datetime | None = None) -> User | None:
    """Give an idle plausible report without a coordinator to the next member on call."""
    with transaction.atomic():
        policy = TriagePolicy.objects.select_for_update().get(pk=policy_for(report.team).pk)
        user = rota_next(report.team, now=now)
        if user is None:
            return None
        report.refresh_from_db()
        if report.coordinator_id is not None or report.state != State.TRIAGE:
            raise TransitionRefused(f"{report.key} needs no coordinator from the rota.")
        # The member on call takes the report; the note says the rota chose them.
        rs.report_assign(report, actor=user, coordinator=user, reason="Assigned by the rota.")
        policy.rota_last_user = user
        policy.save(update_fields=["rota_last_user", "updated_at"])
        return user

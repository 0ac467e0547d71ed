"""Public-side actions: the public snapshot of an advisory, its revisions, embargoes and
the team's public settings."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db import transaction

from vulndesk.accounts.models import Team, User
from vulndesk.accounts.permissions import require_team_admin
from vulndesk.core import clock
from vulndesk.core.errors import TransitionRefused, ValidationFailed
from vulndesk.reports import permissions as perms
from vulndesk.reports.models import Report, State
from vulndesk.reports.timeline import record

from .models import AdvisoryRevision, Embargo, PublicSettings, PublishedAdvisory
from .publication import StepContext, publication_queue


def public_fields(report: Report) -> dict[str, Any]:
    """The advisory's public fields, taken from the report. Nothing else of it is public:
    not its body, comments, timeline, reporter's address or the private fix."""
    credit_list: list[dict[str, str]] = []
    if report.credit_wanted and report.credit_name.strip():
        credit_list.append(
            {"name": report.credit_name.strip(), "type": report.credit_type or "finder"}
        )
    if report.coordinator is not None:
        credit_list.append({"name": report.coordinator.display_name, "type": "coordinator"})
    references: list[dict[str, str]] = []
    if report.cve_id:
        references.append(
            {"type": "ADVISORY", "url": f"https://www.cve.org/CVERecord?id={report.cve_id}"}
        )
    for pr in report.fix_prs.all():
        references.append({"type": "FIX", "url": pr.url})
    from vulndesk.fixes.selectors import public_ranges

    ranges = public_ranges(report)
    return {
        "cve_id": report.cve_id,
        "title": report.advisory_title.strip(),
        "description": report.advisory_description.strip(),
        "severity": report.severity,
        "cvss_vector": report.cvss_vector,
        "affected_versions": report.affected_versions.strip(),
        "affected_components": ""
        if report.affects_whole_project
        else report.affected_components.strip(),
        "mitigations": report.mitigations.strip(),
        "credits": credit_list,
        "references": references,
        "ranges": ranges,
    }


def _csaf(report: Report) -> dict[str, Any]:
    from vulndesk.advisories.csaf import build_csaf_document

    try:
        return build_csaf_document(report)
    except ValidationFailed:  # no machine-readable affected versions: no CSAF entry
        return {}


def step_public_page(report: Report, context: StepContext) -> dict[str, Any]:
    """Publication step ``public-page``: write (or refresh) the public snapshot. The
    advisory page, Atom, OSV and CSAF entries are all rendered from it."""
    fields = {**public_fields(report), "csaf": _csaf(report)}
    now = clock.now()
    advisory = PublishedAdvisory.objects.filter(report=report).first()
    if advisory is None:
        advisory = PublishedAdvisory.objects.create(
            report=report,
            team=report.team,
            project=report.project,
            key=report.key,
            published_at=report.published_at or now,
            modified_at=now,
            revision=1,
            **fields,
        )
        AdvisoryRevision.objects.create(
            advisory=advisory,
            number=1,
            at=advisory.published_at,
            change_note="Initial publication.",
            snapshot=advisory.snapshot(),
        )
    elif context.revision > advisory.revision:
        for name, value in fields.items():
            setattr(advisory, name, value)
        advisory.revision = context.revision
        advisory.modified_at = now
        advisory.save()
        AdvisoryRevision.objects.get_or_create(
            advisory=advisory,
            number=context.revision,
            defaults={
                "at": now,
                "change_note": context.change_note,
                "snapshot": advisory.snapshot(),
            },
        )
    return {"url": f"/advisories/{advisory.public_id}/", "revision": advisory.revision}


def advisory_revise(
    report: Report, *, actor: User, change_note: str, announce: bool = False
) -> int:
    """After publication: publish a new revision (a new backport, a corrected range) with a
    change note; the steps run again (the CVE record is updated; the announcement only if
    ``announce``). Returns the new revision number."""
    if not change_note.strip():
        raise ValidationFailed("Say what changed: a revision needs a change note.")
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).get(pk=report.pk)
        perms.require_coordinator_or_admin(actor, report)
        if report.state != State.PUBLISHED:
            raise TransitionRefused(
                f"{report.key} is not published; edit it directly until it is published."
            )
        advisory = PublishedAdvisory.objects.filter(report=report).first()
        if advisory is None:
            raise TransitionRefused(
                f"{report.key}'s public page is not written yet; retry the publication first."
            )
        revision = advisory.revision + 1
        record(
            report,
            actor=actor,
            action="advisory:revise",
            after={"revision": revision, "announce": announce},
            note=change_note.strip(),
        )
        publication_queue(
            report,
            actor=actor,
            revision=revision,
            change_note=change_note.strip(),
            announce_update=announce,
        )
    return revision


def embargo_set(
    report: Report, *, actor: User, until: dt.datetime | None, timezone: str = "UTC"
) -> Embargo | None:
    """Set (or with ``until=None`` lift) the report's embargo; a naive ``until`` is read in
    ``timezone``."""
    try:
        zone = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(f"{timezone!r} is not a time zone (e.g. Europe/Berlin).") from exc
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).get(pk=report.pk)
        perms.require_coordinator_or_admin(actor, report)
        if report.state == State.PUBLISHED:
            raise TransitionRefused(f"{report.key} is published; its embargo is over.")
        existing = Embargo.objects.filter(report=report).first()
        before = {"until": existing.display()} if existing else {}
        if until is None:
            if existing:
                existing.delete()
            record(report, actor=actor, action="embargo:lift", before=before)
            return None
        if until.tzinfo is None:
            until = until.replace(tzinfo=zone)
        embargo, _ = Embargo.objects.update_or_create(
            report=report, defaults={"until": until, "timezone": timezone}
        )
        record(
            report,
            actor=actor,
            action="embargo:set",
            before=before,
            after={"until": embargo.display()},
            shared=True,
        )
        return embargo


SETTINGS_FIELDS = {
    "contact",
    "encryption",
    "policy",
    "acknowledgments",
    "preferred_languages",
    "expires_days",
    "base_url",
    "default_site",
}


def public_settings_get(team: Team) -> PublicSettings:
    settings_row, _ = PublicSettings.objects.get_or_create(
        team=team,
        defaults={"contact": [f"mailto:{team.security_address}"] if team.security_address else []},
    )
    return settings_row


def public_settings_update(team: Team, *, actor: User, **fields: Any) -> PublicSettings:
    """Change what the public site and security.txt say (team admins)."""
    require_team_admin(actor, team)
    unknown = set(fields) - SETTINGS_FIELDS
    if unknown:
        raise ValidationFailed(f"Unknown public setting(s): {', '.join(sorted(unknown))}.")
    row = public_settings_get(team)
    if "contact" in fields:
        contacts = [c.strip() for c in fields["contact"] if c.strip()]
        bad = [c for c in contacts if not c.startswith(("mailto:", "https://", "tel:"))]
        if bad:
            raise ValidationFailed(
                f"Contact must be a mailto:, https: or tel: URI; not {', '.join(bad)}."
            )
        fields["contact"] = contacts
    for name, value in fields.items():
        urls = {"encryption", "policy", "acknowledgments", "base_url"}
        if name in urls and value and not str(value).startswith("https://"):
            raise ValidationFailed(f"{name} must be an https:// URL (RFC 9116).")
        setattr(row, name, value)
    if row.default_site:
        PublicSettings.objects.exclude(pk=row.pk).update(default_site=False)
    row.save()
    return row

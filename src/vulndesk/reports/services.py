"""Every change to a report: one function per action, each in one transaction.

Each service locks the report row, checks who may act (permissions.py), checks the
workflow (workflow.py), saves, and writes the timeline — so web, API, CLI and mail
all get the same rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction

from vulndesk.accounts.models import Project, Reporter, Team, User
from vulndesk.accounts.permissions import is_team_admin, is_team_member
from vulndesk.accounts.services import reporter_get_or_create
from vulndesk.core import clock
from vulndesk.core.errors import (
    ApplicationError,
    NotFound,
    PermissionDenied,
    TransitionRefused,
    ValidationFailed,
)
from vulndesk.core.messages import render_message
from vulndesk.core.validation import require_fits, require_length
from vulndesk.reports import permissions as perms
from vulndesk.reports.models import (
    Collaborator,
    Comment,
    CreditType,
    FixApproach,
    FixPR,
    FixProvider,
    KeySequence,
    Report,
    Severity,
    Source,
    State,
)
from vulndesk.reports.timeline import record
from vulndesk.reports.workflow import (
    change_state,
    coordinator_problem,
    cve_id_problem,
    fix_approach_problem,
    ready_to_fix_problems,
    require_state,
)

T = TypeVar("T")


def _locked(report: Report) -> Report:
    """Re-read ``report`` with a row lock; call inside a transaction."""
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins.
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("team", "reporter", "coordinator", "project")
        .get(pk=report.pk)
    )


def _act(report: Report, fn: Callable[[Report], T]) -> T:
    with transaction.atomic():
        return fn(_locked(report))


def _mail(event: str, report: Report, **kwargs: Any) -> None:
    """Queue the mail an action causes, in its transaction (the mail app's outbox)."""
    from vulndesk.mail.services import on_report_event

    on_report_event(event, report, **kwargs)


# ------------------------------------------------------------------- creation


def report_create(
    *,
    team: Team,
    reporter_email: str,
    title: str,
    body: str = "",
    reporter_name: str = "",
    project: Project | None = None,
    source: str = Source.WEB,
    actor: User | None = None,
) -> Report:
    """File a new report; it gets the next key of the team's year, gap-free.

    ``actor`` is who filed it: the reporter's own account, an admin drafting on
    the reporter's behalf (``source="drafted"``), or None for the mail gateway.
    """
    if source not in Source.values:
        raise ValidationFailed(f"Source must be one of {', '.join(Source.values)}.")
    title = " ".join(title.split())
    if not title:
        raise ValidationFailed("A report needs a title.")
    require_fits(Report, "title", title)
    require_fits(Reporter, "name", reporter_name.strip(), what="reporter's name")
    require_fits(Reporter, "email", reporter_email.strip(), what="reporter's email address")
    if project is not None and project.team_id != team.pk:
        raise ValidationFailed(f"{project.name} is not a project of {team.name}.")
    if source == Source.DRAFTED and not is_team_admin(actor, team):
        raise PermissionDenied("Only a team admin may draft a report on a reporter's behalf.")
    reporter = reporter_get_or_create(email=reporter_email, name=reporter_name)
    now = clock.now()
    with transaction.atomic():
        KeySequence.objects.bulk_create(
            [KeySequence(team=team, year=now.year)], ignore_conflicts=True
        )
        sequence = KeySequence.objects.select_for_update().get(team=team, year=now.year)
        sequence.last += 1
        sequence.save(update_fields=["last"])
        report = Report.objects.create(
            team=team,
            key=f"{team.key_prefix}-{now.year}-{sequence.last:04d}",
            year=now.year,
            number=sequence.last,
            source=source,
            reporter=reporter,
            title=title,
            body=body,
            project=project,
            created_at=now,
        )
        record(
            report,
            actor=actor,
            action="report:create",
            after={"state": report.state, "source": source, "title": title},
            shared=True,
            label="" if actor else reporter.email,
        )
    return report


# ------------------------------------------------------------------- triage


TRIAGE_OUTCOMES = {
    "plausible": State.TRIAGE,
    "spam": State.SPAM,
    "misdirected": State.MISDIRECTED,
}
TRIAGE_VERBS = {
    "plausible": "triage as plausible",
    "spam": "close as spam",
    "misdirected": "close as misdirected",
}


def report_triage(report: Report, *, actor: User, outcome: str, note: str = "") -> Report:
    """An admin's first look at a new report: plausible, spam, or for another project."""
    if outcome not in TRIAGE_OUTCOMES:
        raise ValidationFailed(
            f"Triage outcome must be one of: {', '.join(TRIAGE_OUTCOMES)}; not {outcome!r}."
        )

    def act(report: Report) -> Report:
        perms.require_admin(actor, report)
        require_state(
            report,
            (State.NEW,),
            verb=TRIAGE_VERBS[outcome],
            rule="only new reports are triaged (a rejected one is reopened, with a reason)",
        )
        if outcome != "plausible":
            report.close_reason = note or outcome
            report.save(update_fields=["close_reason", "updated_at"])
        return change_state(
            report,
            to=TRIAGE_OUTCOMES[outcome],
            actor=actor,
            note=note,
            verb=TRIAGE_VERBS[outcome],
        )

    return _act(report, act)


# ------------------------------------------------------------------- coordinator


def report_assign(report: Report, *, actor: User, coordinator: User, reason: str = "") -> Report:
    """Make ``coordinator`` responsible; a hand-over records from whom, to whom and why."""

    def act(report: Report) -> Report:
        perms.require_team_member(actor, report)
        # A rejected report may be reopened, which needs a coordinator on the team.
        if not report.is_open and report.state != State.REJECTED:
            raise TransitionRefused(
                f"{report.key} is {report.get_state_display().lower()}; "
                "a closed report has no coordinator to change."
            )
        if not is_team_member(coordinator, report.team):
            raise ValidationFailed(
                f"{coordinator} is not a member of {report.team.name}; "
                "only team members can coordinate reports."
            )
        previous = report.coordinator
        if previous is not None and previous.pk == coordinator.pk:
            raise ValidationFailed(f"{coordinator} already coordinates {report.key}.")
        admin = is_team_admin(actor, report.team)
        current_holder = previous is not None and previous.pk == actor.pk
        taking_unassigned = previous is None and coordinator.pk == actor.pk
        if not (admin or current_holder or taking_unassigned):
            raise PermissionDenied(
                "Only a team admin or the current coordinator may hand a report over; "
                "a member may take an unassigned report for themselves."
            )
        if previous is not None and not reason.strip():
            raise ValidationFailed(
                f"Say why {report.key} is handed over from {previous} to {coordinator}."
            )
        report.coordinator = coordinator
        report.coordinator_assigned_at = clock.now()
        report.save(update_fields=["coordinator", "coordinator_assigned_at", "updated_at"])
        record(
            report,
            actor=actor,
            action="report:coordinator:handover" if previous else "report:coordinator:assign",
            before={"coordinator": previous.username if previous else None},
            after={"coordinator": coordinator.username},
            note=reason,
        )
        _advance_held(report, actor=actor)
        return report

    return _act(report, act)


# ------------------------------------------------------------------- decision


def report_accept(report: Report, *, actor: User, cve_id: str = "", note: str = "") -> Report:
    """The coordinator determines it is a vulnerability (a CVE ID may come with it)."""

    def act(report: Report) -> Report:
        perms.require_coordinator_or_admin(actor, report)
        if cve_id:
            _set_cve(report, actor=actor, cve_id=cve_id)
        change_state(report, to=State.ACCEPTED, actor=actor, note=note, verb="accept")
        from vulndesk.cna.services import on_accepted  # the team's CNA policy

        if picked := on_accepted(report, actor=actor):
            _set_cve(report, actor=actor, cve_id=picked)
        return _advance_to_fixing(report, actor=actor)

    return _act(report, act)


def report_reject(report: Report, *, actor: User, reason: str) -> Report:
    """Not a vulnerability. The reporter is told and may come back with evidence."""
    if not reason.strip():
        raise ValidationFailed("Say why the report is not a vulnerability.")

    def act(report: Report) -> Report:
        perms.require_coordinator_or_admin(actor, report)
        change_state(report, to=State.REJECTED, actor=actor, note=reason, verb="reject")
        report.close_reason = reason
        report.save(update_fields=["close_reason", "updated_at"])
        message = render_message("reject", {"report": report})
        _comment(report, actor=actor, body=message.body, visibility=Comment.Visibility.SHARED)
        _mail("reject", report, actor=actor)
        return report

    return _act(report, act)


def report_reopen(report: Report, *, actor: User, reason: str) -> Report:
    """Back to triage when new evidence shows a rejected report is a vulnerability."""
    if not reason.strip():
        raise ValidationFailed("Reopening needs the new evidence as the reason.")

    def act(report: Report) -> Report:
        perms.require_coordinator_or_admin(actor, report)
        require_state(
            report,
            (State.REJECTED,),
            verb="reopen",
            rule="only a rejected report is reopened (a new one is triaged by an admin)",
        )
        return change_state(report, to=State.TRIAGE, actor=actor, note=reason, verb="reopen")

    return _act(report, act)


def report_withdraw(report: Report, *, actor: User, reason: str) -> Report:
    """Close an open report for good (e.g. the reporter retracted it, or it was a duplicate)."""
    if not reason.strip():
        raise ValidationFailed("Say why the report is withdrawn.")

    def act(report: Report) -> Report:
        if report.state == State.NEW:
            perms.require_admin(actor, report)
        else:
            perms.require_coordinator_or_admin(actor, report)
        change_state(report, to=State.WITHDRAWN, actor=actor, note=reason, verb="withdraw")
        report.close_reason = reason
        report.save(update_fields=["close_reason", "updated_at"])
        from vulndesk.cna.services import on_withdrawn  # keep/release/reject its CVE ID

        on_withdrawn(report, actor=actor)
        return report

    return _act(report, act)


# ------------------------------------------------------------------- CVE, severity, fix

DECIDED_STATES = (State.ACCEPTED, State.FIXING, State.FIXED)


def _require_decided(report: Report, what: str) -> None:
    if report.state not in DECIDED_STATES:
        raise TransitionRefused(
            f"{report.key} is {report.get_state_display().lower()}; "
            f"{what} is set once it is accepted and before it is published."
        )


def _set_cve(report: Report, *, actor: User, cve_id: str) -> None:
    cve_id = cve_id.strip().upper()
    if problem := cve_id_problem(cve_id):
        raise ValidationFailed(problem)
    if report.cve_id == cve_id:
        return
    holder = Report.objects.filter(cve_id=cve_id).exclude(pk=report.pk).first()
    if holder is not None:
        raise ValidationFailed(f"{cve_id} is already assigned to another report.")
    before = report.cve_id
    from vulndesk.cna.services import on_cve_set  # checks the ID against the team's pool

    on_cve_set(report, cve_id=cve_id, previous=before)
    report.cve_id = cve_id
    report.cve_assigned_at = clock.now()
    try:
        with transaction.atomic():
            report.save(update_fields=["cve_id", "cve_assigned_at", "updated_at"])
    except IntegrityError as exc:
        raise ValidationFailed(f"{cve_id} is already assigned to another report.") from exc
    record(
        report,
        actor=actor,
        action="cve:id:assign",
        before={"cve_id": before or None},
        after={"cve_id": cve_id},
    )


def report_set_cve(report: Report, *, actor: User, cve_id: str) -> Report:
    def act(report: Report) -> Report:
        perms.require_coordinator_or_admin(actor, report)
        _require_decided(report, "the CVE ID")
        if report.reporter_told_at and report.cve_id and report.cve_id != cve_id:
            raise TransitionRefused(
                f"The reporter of {report.key} was already told {report.cve_id}; "
                "reject that ID through the CNA before giving another."
            )
        _set_cve(report, actor=actor, cve_id=cve_id)
        return _advance_to_fixing(report, actor=actor)

    return _act(report, act)


def cvss_severity(vector: str) -> tuple[str, float]:
    """Parse a CVSS v3.x or v4.0 vector: (FIRST severity band, base score).

    A malformed vector is refused naming the bad metric (vulndesk.advisories.severity).
    """
    from vulndesk.advisories.severity import cvss_severity as parse

    return parse(vector)


def report_set_severity(
    report: Report, *, actor: User, severity: str = "", cvss_vector: str = "", reason: str = ""
) -> Report:
    """Low, Medium, High or Critical, optionally from a CVSS vector.

    Without ``severity`` the vector's FIRST band is used; a severity that differs
    from the vector's band is an override and needs ``reason``.
    """

    def act(report: Report) -> Report:
        perms.require_coordinator_or_admin(actor, report)
        _require_decided(report, "the severity")
        chosen = severity.strip().capitalize()
        suggested = ""
        if cvss_vector:
            band, _score = cvss_severity(cvss_vector)
            suggested = band.capitalize()
            if suggested == "None":
                suggested = "Low"
        if not chosen:
            chosen = suggested
        if chosen not in report.team.severity_levels or chosen not in Severity.values:
            raise ValidationFailed(
                f"Severity must be one of {', '.join(report.team.severity_levels)}; not {chosen!r}."
            )
        if suggested and chosen != suggested and not reason.strip():
            raise ValidationFailed(
                f"The CVSS vector suggests {suggested}; say why the severity is {chosen}."
            )
        if (
            report.fix_approach == FixApproach.PUBLIC
            and report.team.needs_private_fix(chosen)
            and report.state in (State.FIXING, State.FIXED)
        ):
            raise TransitionRefused(
                f"{chosen} severity requires a private fix, and {report.key} is being fixed "
                "in public; change the fix approach to private first."
            )
        before = {"severity": report.severity or None, "cvss_vector": report.cvss_vector or None}
        report.severity = chosen
        report.cvss_vector = cvss_vector.strip()
        report.severity_set_at = clock.now()
        if report.fix_approach == FixApproach.PUBLIC and report.team.needs_private_fix(chosen):
            report.fix_approach = FixApproach.PRIVATE
        report.save(
            update_fields=[
                "severity",
                "cvss_vector",
                "severity_set_at",
                "fix_approach",
                "updated_at",
            ]
        )
        record(
            report,
            actor=actor,
            action="report:severity:set",
            before=before,
            after={"severity": chosen, "cvss_vector": report.cvss_vector or None},
            note=reason,
        )
        return _advance_to_fixing(report, actor=actor)

    return _act(report, act)


def report_set_fix(
    report: Report,
    *,
    actor: User,
    approach: str,
    provider: str = "",
    private_fix_url: str = "",
) -> Report:
    """The fix approach (public PR, or private first) and who provides the fix."""

    def act(report: Report) -> Report:
        perms.require_coordinator_or_admin(actor, report)
        _require_decided(report, "the fix approach")
        if problem := fix_approach_problem(report, approach):
            raise ValidationFailed(problem)
        require_fits(Report, "private_fix_url", private_fix_url, what="private fix URL")
        if provider and provider not in FixProvider.values:
            raise ValidationFailed(
                f"The fix provider must be one of: {', '.join(FixProvider.values)}."
            )
        before = {"fix_approach": report.fix_approach or None, "provider": report.fix_provider}
        report.fix_approach = approach
        report.fix_provider = provider or report.fix_provider
        report.private_fix_url = private_fix_url or report.private_fix_url
        report.save(update_fields=["fix_approach", "fix_provider", "private_fix_url", "updated_at"])
        record(
            report,
            actor=actor,
            action="fix:plan:set",
            before=before,
            after={"fix_approach": approach, "provider": report.fix_provider},
        )
        return _advance_to_fixing(report, actor=actor)

    return _act(report, act)


def _advance_to_fixing(report: Report, *, actor: User) -> Report:
    """An accepted report with a CVE ID, a severity and a fix approach is being fixed."""
    if (
        report.state == State.ACCEPTED
        and not ready_to_fix_problems(report)
        and not coordinator_problem(report)
    ):
        change_state(report, to=State.FIXING, actor=actor, note="CVE ID, severity and fix set.")
    return report


def _advance_to_fixed(report: Report, *, actor: User) -> str | None:
    """A fixing report whose fix PRs are all merged is fixed, once its guards allow.

    Returns the refusal when the guards hold the move back, else None.
    """
    if report.state != State.FIXING or not report.fix_prs.exists():
        return None
    if report.fix_prs.filter(merged_at=None).exists():
        return None
    try:
        with transaction.atomic():
            change_state(report, to=State.FIXED, actor=actor, note="Every fix PR merged.")
    except TransitionRefused as exc:
        return str(exc)
    return None


def _advance_held(report: Report, *, actor: User) -> None:
    """After an action that may lift a guard, make the moves the data already calls for."""
    try:
        with transaction.atomic():
            _advance_to_fixing(report, actor=actor)
    except TransitionRefused:
        pass  # still held (e.g. a public fix approach for a private-fix severity)
    _advance_to_fixed(report, actor=actor)


def report_approve_private_fix(report: Report, *, actor: User, note: str = "") -> Report:
    """The coordinator approves the privately developed and tested fix."""

    def act(report: Report) -> Report:
        perms.require_coordinator_or_admin(actor, report)
        if report.state not in (State.ACCEPTED, State.FIXING):
            raise TransitionRefused(
                f"{report.key} is {report.get_state_display().lower()}; "
                "a private fix is approved while it is being fixed."
            )
        if report.fix_approach != FixApproach.PRIVATE:
            raise TransitionRefused(
                f"{report.key} is not fixed in private; there is no private fix to approve."
            )
        if report.private_fix_approved_at is not None:
            raise ValidationFailed(f"The private fix of {report.key} is already approved.")
        report.private_fix_approved_at = clock.now()
        report.save(update_fields=["private_fix_approved_at", "updated_at"])
        record(report, actor=actor, action="fix:private:approve", note=note)
        _advance_held(report, actor=actor)
        return report

    return _act(report, act)


LABEL_MAX_LENGTH = 50  # GitHub's limit for a label name


def _normalise_labels(labels: list[str]) -> list[str]:
    given = sorted({label.strip() for label in labels if label.strip()})
    for label in given:
        require_length(label, LABEL_MAX_LENGTH, what=f"label {label[:20]!r}…")
    return given


def report_add_pr(
    report: Report,
    *,
    actor: User,
    url: str,
    branch: str = "",
    labels: list[str] | None = None,
) -> FixPR:
    """Link a public fix PR. Refused for a private-fix report before the fix is approved,
    and for a PR without the policy's labels (so a release cannot ship without it)."""

    def act(report: Report) -> FixPR:
        perms.require_team_member(actor, report)
        if report.state not in (State.FIXING, State.FIXED):
            raise TransitionRefused(
                f"{report.key} is {report.get_state_display().lower()}; fix PRs are linked "
                "once it is being fixed (accepted with a CVE ID, severity and fix approach)."
            )
        if report.needs_private_fix and report.private_fix_approved_at is None:
            raise TransitionRefused(
                f"{report.severity} severity requires a private fix; approve the private fix "
                "before linking a public PR."
            )
        if not url.startswith(("https://", "http://")):
            raise ValidationFailed(f"{url!r} is not a URL.")
        require_fits(FixPR, "url", url, what="PR URL")
        require_fits(FixPR, "branch", branch)
        given = _normalise_labels(labels or [])
        missing = [label for label in report.team.fix_labels if label not in given]
        if missing:
            raise ValidationFailed(
                f"The PR lacks the label(s) {', '.join(missing)}; fix PRs must carry "
                f"{' and '.join(report.team.fix_labels)} so that no release ships without them."
            )
        if report.fix_prs.filter(url=url).exists():
            raise ValidationFailed(f"{url} is already linked to {report.key}.")
        pr = FixPR.objects.create(report=report, url=url, branch=branch, labels=given)
        record(
            report,
            actor=actor,
            action="fix:pr:add",
            after={"url": url, "branch": branch, "labels": given},
        )
        if report.state == State.FIXED:
            change_state(
                report, to=State.FIXING, actor=actor, note=f"New fix PR {url} is not merged yet."
            )
        return pr

    return _act(report, act)


def report_merge_pr(report: Report, *, actor: User, url: str, commit: str = "") -> Report:
    """Record that a fix PR was merged; when every fix PR is merged, the report is fixed."""

    def act(report: Report) -> Report:
        perms.require_team_member(actor, report)
        pr = report.fix_prs.filter(url=url).first()
        if pr is None:
            raise NotFound(f"{url} is not a fix PR of {report.key}.")
        if pr.merged_at is not None:
            raise ValidationFailed(f"{url} is already recorded as merged.")
        require_fits(FixPR, "merge_commit", commit, what="merge commit")
        pr.merged_at = clock.now()
        pr.merge_commit = commit
        pr.save(update_fields=["merged_at", "merge_commit", "updated_at"])
        record(report, actor=actor, action="fix:pr:merge", after={"url": url, "commit": commit})
        if held := _advance_to_fixed(report, actor=actor):
            # The merge is recorded; the move waits for its other guards, and is made by
            # the action that lifts them (a hand-over, the private fix's approval).
            record(report, actor=actor, action="report:state:held", note=held)
        return report

    return _act(report, act)


# ------------------------------------------------------------------- advisory and credit

ADVISORY_FIELDS = {
    "title": "advisory_title",
    "description": "advisory_description",
    "affected_versions": "affected_versions",
    "affected_components": "affected_components",
    "whole_project": "affects_whole_project",
    "mitigations": "mitigations",
}


def report_set_advisory(report: Report, *, actor: User, **fields: Any) -> Report:
    """Set advisory fields (``title``, ``description``, ``affected_versions``,
    ``affected_components``, ``whole_project``, ``mitigations``); others stay as they are."""
    unknown = set(fields) - set(ADVISORY_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown advisory field(s): {', '.join(sorted(unknown))}.")

    def act(report: Report) -> Report:
        perms.require_team_member(actor, report)
        _require_decided(report, "the advisory")
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for name, given in fields.items():
            if given is None:
                continue
            attr = ADVISORY_FIELDS[name]
            value = given
            if name == "whole_project":
                value = bool(given)
            elif name == "title":
                value = " ".join(str(given).split())
                require_fits(Report, attr, value, what="advisory title")
            if getattr(report, attr) != value:
                before[name] = getattr(report, attr)
                after[name] = value
                setattr(report, attr, value)
        if not after:
            return report
        report.save()
        record(report, actor=actor, action="advisory:edit", before=before, after=after)
        return report

    return _act(report, act)


def report_tell_reporter(report: Report, *, actor: User, body: str = "") -> Comment:
    """Tell the reporter of the acceptance, its CVE ID and severity, and ask about credit."""

    def act(report: Report) -> Comment:
        perms.require_coordinator_or_admin(actor, report)
        _require_decided(report, "telling the reporter")
        if not report.cve_id or not report.severity:
            raise TransitionRefused(
                f"The reporter is told of the acceptance with its CVE ID and severity; "
                f"{report.key} still needs "
                + " and ".join(
                    w
                    for w, v in (("a CVE ID", report.cve_id), ("a severity", report.severity))
                    if not v
                )
                + "."
            )
        text = body or render_message("accept", {"report": report}).body
        comment = _comment(report, actor=actor, body=text, visibility=Comment.Visibility.SHARED)
        now = clock.now()
        report.reporter_told_at = report.reporter_told_at or now
        report.credit_asked_at = report.credit_asked_at or now
        report.save(update_fields=["reporter_told_at", "credit_asked_at", "updated_at"])
        record(
            report,
            actor=actor,
            action="report:reporter:tell",
            after={"cve_id": report.cve_id, "severity": report.severity},
            shared=True,
        )
        _mail("tell-reporter", report, actor=actor, body=text)
        return comment

    return _act(report, act)


def report_set_credit(
    report: Report,
    *,
    actor: User,
    wanted: bool,
    name: str = "",
    credit_type: str = CreditType.FINDER,
) -> Report:
    """The reporter's answer to the credit question (by the reporter or recorded by the team)."""

    def act(report: Report) -> Report:
        perms.require_view(actor, report)
        if not (perms.is_reporter(actor, report) or is_team_member(actor, report.team)):
            raise PermissionDenied("Only the reporter or the team may record the credit.")
        if report.state == State.PUBLISHED:
            raise TransitionRefused(f"{report.key} is published; its credit is final.")
        if credit_type not in CreditType.values:
            raise ValidationFailed(f"Credit type must be one of: {', '.join(CreditType.values)}.")
        require_fits(Report, "credit_name", name.strip(), what="credit name")
        if wanted and not (name or report.reporter.name).strip():
            raise ValidationFailed("Say how the reporter wants to be credited (name or org).")
        before = {"wanted": report.credit_wanted, "name": report.credit_name}
        report.credit_wanted = wanted
        report.credit_name = (name or report.reporter.name).strip() if wanted else ""
        report.credit_type = credit_type
        report.credit_answered_at = clock.now()
        report.save(
            update_fields=[
                "credit_wanted",
                "credit_name",
                "credit_type",
                "credit_answered_at",
                "updated_at",
            ]
        )
        record(
            report,
            actor=actor,
            action="report:credit:set",
            before=before,
            after={"wanted": wanted, "name": report.credit_name, "type": credit_type},
            shared=True,
        )
        return report

    return _act(report, act)


def report_publish(report: Report, *, actor: User) -> Report:
    """Publish the advisory: every guard of the design must hold."""

    def act(report: Report) -> Report:
        perms.require_coordinator_or_admin(actor, report)
        change_state(report, to=State.PUBLISHED, actor=actor, verb="publish")
        # The publication steps (page, announcement, CVE record) run after the commit.
        from vulndesk.public.publication import publication_queue

        publication_queue(report, actor=actor)
        return report

    return _act(report, act)


# ------------------------------------------------------------------- people on a report


def collaborator_invite(report: Report, *, actor: User, user: User) -> Collaborator:
    def act(report: Report) -> Collaborator:
        perms.require_coordinator_or_admin(actor, report)
        if not report.is_open:
            raise TransitionRefused(f"{report.key} is closed; no one new can be invited.")
        if is_team_member(user, report.team):
            raise ValidationFailed(f"{user} is on the team and sees the report already.")
        collaborator, created = Collaborator.objects.get_or_create(
            report=report, user=user, defaults={"invited_by": actor}
        )
        if not created:
            raise ValidationFailed(f"{user} is already invited to {report.key}.")
        record(report, actor=actor, action="report:collaborator:invite", after={"user": user.email})
        _mail("invite", report, actor=actor, user=user)
        return collaborator

    return _act(report, act)


def collaborator_remove(report: Report, *, actor: User, user: User) -> None:
    def act(report: Report) -> None:
        perms.require_coordinator_or_admin(actor, report)
        deleted, _ = Collaborator.objects.filter(report=report, user=user).delete()
        if not deleted:
            raise NotFound(f"{user} is not a collaborator on {report.key}.")
        record(
            report, actor=actor, action="report:collaborator:remove", before={"user": user.email}
        )

    _act(report, act)


# ------------------------------------------------------------------- comments


def _comment(
    report: Report,
    *,
    actor: User | None,
    body: str,
    visibility: str,
    author_email: str = "",
) -> Comment:
    comment = Comment.objects.create(
        report=report, author=actor, author_email=author_email, visibility=visibility, body=body
    )
    record(
        report,
        actor=actor,
        action=f"comment:{visibility}:add",
        after={"comment": comment.pk},
        shared=visibility == Comment.Visibility.SHARED,
        label="" if actor else author_email,
    )
    return comment


def comment_add(
    report: Report, *, actor: User, body: str, visibility: str = Comment.Visibility.INTERNAL
) -> Comment:
    """Internal comments reach the team and collaborators; shared ones reach the reporter too."""
    if not body.strip():
        raise ValidationFailed("A comment needs some text.")
    if visibility not in Comment.Visibility.values:
        raise ValidationFailed(
            f"Visibility must be one of: {', '.join(Comment.Visibility.values)}."
        )

    def act(report: Report) -> Comment:
        perms.require_view(actor, report)
        if perms.is_reporter(actor, report) and not is_team_member(actor, report.team):
            if visibility != Comment.Visibility.SHARED:
                raise PermissionDenied("A reporter's comments are shared with the team.")
        elif not is_team_member(actor, report.team) and visibility == Comment.Visibility.SHARED:
            raise PermissionDenied(
                "Collaborators comment internally; the team talks to the reporter."
            )
        if report.state in (State.SPAM,):
            raise TransitionRefused(f"{report.key} was closed as spam; it takes no comments.")
        comment = _comment(report, actor=actor, body=body, visibility=visibility)
        if visibility == Comment.Visibility.SHARED:
            _mail("shared-comment", report, actor=actor, comment=comment)
        return comment

    return _act(report, act)


__all__ = [
    "ApplicationError",
    "collaborator_invite",
    "collaborator_remove",
    "comment_add",
    "cvss_severity",
    "report_accept",
    "report_add_pr",
    "report_approve_private_fix",
    "report_assign",
    "report_create",
    "report_merge_pr",
    "report_publish",
    "report_reject",
    "report_reopen",
    "report_set_advisory",
    "report_set_credit",
    "report_set_cve",
    "report_set_fix",
    "report_set_severity",
    "report_tell_reporter",
    "report_triage",
    "report_withdraw",
]

"""The case's states: a plain transition table, its guards, and the one function that moves.

Services decide *who* may ask for a move (permissions.py) and then call
:func:`change_state`, which checks the table and the guards, saves and writes the
timeline event, inside the caller's transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from vulndesk.accounts.models import User
from vulndesk.accounts.permissions import is_team_member
from vulndesk.core import clock
from vulndesk.core.errors import TransitionRefused
from vulndesk.reports.models import FixApproach, Report, State
from vulndesk.reports.timeline import record

# The CVE JSON 5 schema's pattern: CVE-YYYY- and 4 to 19 digits.
CVE_ID_RE = re.compile(r"^CVE-[0-9]{4}-[0-9]{4,19}$")

# from-state -> {to-state: the verb people use for that move}
TRANSITIONS: dict[str, dict[str, str]] = {
    State.NEW: {
        State.TRIAGE: "triage as plausible",
        State.SPAM: "close as spam",
        State.MISDIRECTED: "close as misdirected",
        State.WITHDRAWN: "withdraw",
    },
    State.TRIAGE: {
        State.ACCEPTED: "accept",
        State.REJECTED: "reject",
        State.WITHDRAWN: "withdraw",
    },
    State.ACCEPTED: {State.FIXING: "start fixing", State.WITHDRAWN: "withdraw"},
    State.FIXING: {State.FIXED: "mark fixed", State.WITHDRAWN: "withdraw"},
    State.FIXED: {
        State.PUBLISHED: "publish",
        State.FIXING: "reopen the fix",
        State.WITHDRAWN: "withdraw",
    },
    State.REJECTED: {State.TRIAGE: "reopen"},
    State.PUBLISHED: {},
    State.SPAM: {},
    State.MISDIRECTED: {},
    State.WITHDRAWN: {},
}

# The date field each state stamps when it is entered (first time only).
MILESTONES: dict[str, str] = {
    State.TRIAGE: "triaged_at",
    State.ACCEPTED: "decided_at",
    State.REJECTED: "decided_at",
    State.FIXING: "fix_started_at",
    State.FIXED: "fixed_at",
    State.PUBLISHED: "published_at",
    State.SPAM: "closed_at",
    State.MISDIRECTED: "closed_at",
    State.WITHDRAWN: "closed_at",
}


def state_label(state: str) -> str:
    return str(State(state).label).lower()


# ---------------------------------------------------------------- guards
# Each returns the reason for refusing, or None. They read the report only.


def coordinator_problem(report: Report) -> str | None:
    if report.coordinator_id is None:
        return f"{report.key} has no coordinator; assign a team member as coordinator first."
    if not is_team_member(report.coordinator, report.team):
        return (
            f"The coordinator {report.coordinator} is no longer a member of {report.team.name}; "
            "hand the report over to a current member first."
        )
    return None


def cve_id_problem(cve_id: str) -> str | None:
    if not CVE_ID_RE.match(cve_id):
        return f"{cve_id!r} is not a CVE ID; the format is CVE-YYYY-NNNN (4 to 19 digits)."
    return None


def fix_approach_problem(report: Report, approach: str) -> str | None:
    if approach not in FixApproach.values:
        return f"The fix approach must be one of: {', '.join(FixApproach.values)}."
    if approach == FixApproach.PUBLIC and report.needs_private_fix:
        return (
            f"{report.severity} severity requires a private fix "
            f"(team policy: {', '.join(report.team.private_fix_severities)} are fixed in private)."
        )
    return None


def ready_to_fix_problems(report: Report) -> list[str]:
    problems = []
    if not report.cve_id:
        problems.append("a CVE ID")
    if not report.severity:
        problems.append("a severity")
    if not report.fix_approach:
        problems.append("a fix approach")
    return problems


def advisory_problems(report: Report) -> list[str]:
    """What the advisory still lacks (PSRT: title, description, versions, components)."""
    missing = []
    if not report.advisory_title.strip():
        missing.append("the advisory title")
    if not report.advisory_description.strip():
        missing.append("the advisory description")
    if not report.affected_versions.strip():
        missing.append("the affected versions")
    if not report.affects_whole_project and not report.affected_components.strip():
        missing.append("the affected components (or mark it as affecting the whole project)")
    return missing


def fix_prs_problem(report: Report) -> str | None:
    prs = list(report.fix_prs.all())
    if not prs:
        return "no fix PR is linked; add the pull request that fixes it first."
    unmerged = [pr.url for pr in prs if pr.merged_at is None]
    if unmerged:
        return f"these fix PRs are not merged yet: {', '.join(unmerged)}."
    return None


def _guard_accept(report: Report) -> list[str]:
    problem = coordinator_problem(report)
    return [problem] if problem else []


def _guard_start_fix(report: Report) -> list[str]:
    problems: list[str] = []
    if coordinator := coordinator_problem(report):
        problems.append(coordinator)
    if missing := ready_to_fix_problems(report):
        problems.append(f"fixing needs {', '.join(missing)}")
    if report.fix_approach and (approach := fix_approach_problem(report, report.fix_approach)):
        problems.append(approach)
    return problems


def _guard_fixed(report: Report) -> list[str]:
    problems: list[str] = []
    if coordinator := coordinator_problem(report):
        problems.append(coordinator)
    if report.needs_private_fix and report.private_fix_approved_at is None:
        problems.append(f"{report.severity} severity requires the private fix to be approved first")
    if pr_problem := fix_prs_problem(report):
        problems.append(pr_problem)
    return problems


def _guard_publish(report: Report) -> list[str]:
    problems: list[str] = []
    if coordinator := coordinator_problem(report):
        problems.append(coordinator)
    if not report.cve_id:
        problems.append("it has no CVE ID")
    if not report.severity:
        problems.append("it has no severity")
    if missing := advisory_problems(report):
        problems.append(f"the advisory lacks {', '.join(missing)}")
    if pr_problem := fix_prs_problem(report):
        problems.append(pr_problem)
    if report.reporter_told_at is None:
        problems.append("the reporter has not been told of the acceptance and CVE ID")
    if report.credit_wanted is None:
        problems.append("the reporter has not answered whether they want to be credited")
    elif report.credit_wanted and not report.credit_name.strip():
        problems.append("the reporter wants credit but no credit name is recorded")
    # Embargo, and each branch's fix merged or waived (apps public and fixes).
    from vulndesk.public.publication import publish_problems

    problems.extend(publish_problems(report))
    return problems


def _guard_coordinated(report: Report) -> list[str]:
    problem = coordinator_problem(report)
    return [problem] if problem else []


GUARDS: dict[tuple[str, str], Callable[[Report], list[str]]] = {
    (State.TRIAGE, State.ACCEPTED): _guard_accept,
    (State.TRIAGE, State.REJECTED): _guard_coordinated,
    (State.REJECTED, State.TRIAGE): _guard_coordinated,
    (State.ACCEPTED, State.FIXING): _guard_start_fix,
    (State.FIXED, State.FIXING): _guard_coordinated,
    (State.FIXING, State.FIXED): _guard_fixed,
    (State.FIXED, State.PUBLISHED): _guard_publish,
}


def refusal(report: Report, to: str, *, verb: str = "") -> str | None:
    """Why ``report`` may not move to ``to`` now, or None if it may.

    ``verb`` is how the person asking named the move ("publish", "accept"); the
    refusal starts with it so the message says which request was refused.
    """
    allowed = TRANSITIONS[report.state]
    if to not in allowed:
        possible = ", ".join(allowed.values()) or "nothing (it is final)"
        asked = f" (asked to {verb})" if verb else ""
        return (
            f"{report.key} is {state_label(report.state)} and cannot become "
            f"{state_label(to)}{asked}; from here it can: {possible}."
        )
    guard = GUARDS.get((report.state, to))
    problems = guard(report) if guard else []
    if problems:
        return (
            f"Cannot {verb or allowed[to]} {report.key}: "
            + "; ".join(problem.rstrip(".") for problem in problems)
            + "."
        )
    return None


def require_state(report: Report, states: tuple[str, ...], *, verb: str, rule: str) -> None:
    """Refuse ``verb`` unless ``report`` is in one of ``states``; ``rule`` says why.

    For actions that name one edge of the table (triage is for new reports, reopen for
    rejected ones) so that another edge to the same state cannot be taken by the wrong
    action (e.g. "triage" skipping the reason a reopen needs).
    """
    if report.state not in states:
        raise TransitionRefused(
            f"Cannot {verb} {report.key}: it is {state_label(report.state)}; {rule}."
        )


def change_state(
    report: Report,
    *,
    to: str,
    actor: User | None,
    note: str = "",
    action: str = "",
    verb: str = "",
) -> Report:
    """Move ``report`` (already locked by the caller's transaction) to ``to``.

    A refusal raises :class:`TransitionRefused` naming ``verb`` (default: the
    table's word for the move) and every guard that failed.
    """
    reason = refusal(report, to, verb=verb)
    if reason:
        raise TransitionRefused(reason)
    before = report.state
    report.state = to
    fields = ["state", "updated_at"]
    milestone = MILESTONES.get(to)
    if milestone and getattr(report, milestone) is None:
        setattr(report, milestone, clock.now())
        fields.append(milestone)
    if to == State.TRIAGE and before == State.REJECTED:
        report.close_reason = ""
        fields.append("close_reason")
    report.save(update_fields=fields)
    record(
        report,
        actor=actor,
        action=action or "report:state:change",
        before={"state": before},
        after={"state": to},
        note=note,
        shared=True,
    )
    return report

"""The PSRT checklist of an open report: which steps of the process are done, which are next.

Computed from what the apps record (the report's milestones, the mail outbox, the fix
PRs), never from what a page shows. Each step names the steps it waits for; a step is
"done", "next" (not done, everything it waits for is done) or "waiting".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vulndesk.reports.models import Report, State
from vulndesk.reports.workflow import advisory_problems

DONE = "done"
NEXT = "next"
WAITING = "waiting"

DECIDED = (State.ACCEPTED, State.FIXING, State.FIXED, State.PUBLISHED)


@dataclass(frozen=True)
class Step:
    code: str
    label: str
    status: str
    detail: str
    action: str  # the report page's form that does this step ("" for none)
    waits_for: tuple[str, ...] = field(default=())

    @property
    def done(self) -> bool:
        return self.status == DONE


# code, label, the steps it waits for, the form that does it
STEPS: list[tuple[str, str, tuple[str, ...], str]] = [
    ("cve_id", "CVE ID", ("accepted",), "cve"),
    ("severity", "Severity", ("accepted",), "severity"),
    ("reporter_told", "Reporter told", ("cve_id", "severity"), "tell"),
    ("credit_asked", "Credit asked", ("reporter_told",), "credit"),
    ("advisory_complete", "Advisory complete", ("accepted",), "advisory"),
    ("fix_approach", "Fix approach", ("severity",), "fix"),
    ("pr_labelled", "PR labelled", ("fix_approach",), "pr-add"),
    ("merged", "Merged", ("pr_labelled",), "pr-merge"),
    (
        "published",
        "Published",
        ("cve_id", "severity", "reporter_told", "credit_asked", "advisory_complete", "merged"),
        "publish",
    ),
]


def _reporter_told(report: Report) -> tuple[bool, str]:
    """Told: the acceptance reply (the "accept" template) was queued or sent to the reporter."""
    from vulndesk.mail.models import OutboxMessage

    mails = list(
        OutboxMessage.objects.filter(report=report, template="accept")
        .order_by("-created_at", "-id")
        .values_list("status", flat=True)[:1]
    )
    if mails:
        status = mails[0]
        sent = status == OutboxMessage.Status.SENT
        return True, "acceptance reply sent" if sent else f"acceptance reply {status}"
    if report.reporter_told_at is not None:
        return True, f"told on {report.reporter_told_at:%Y-%m-%d}"
    return False, "send the acceptance reply with the CVE ID and severity"


def _credit(report: Report) -> tuple[bool, str]:
    if report.credit_asked_at is None:
        return False, "the acceptance reply asks the reporter about credit"
    if report.credit_wanted is None:
        return True, "asked; no answer yet"
    if report.credit_wanted:
        return True, f"answered: credit {report.credit_name}"
    return True, "answered: no credit wanted"


def _prs(report: Report) -> tuple[tuple[bool, str], tuple[bool, str]]:
    prs = list(report.fix_prs.all())
    if not prs:
        return (False, "link the fix PR"), (False, "no fix PR yet")
    wanted = list(report.team.fix_labels)
    unlabelled = [pr.url for pr in prs if any(label not in pr.labels for label in wanted)]
    labelled = (
        (False, f"lacks {' and '.join(wanted)}: {', '.join(unlabelled)}")
        if unlabelled
        else (True, f"{len(prs)} PR(s) carry {' and '.join(wanted)}")
    )
    unmerged = [pr.url for pr in prs if pr.merged_at is None]
    merged = (
        (False, f"not merged: {', '.join(unmerged)}")
        if unmerged
        else (True, f"{len(prs)} PR(s) merged")
    )
    return labelled, merged


def psrt_checklist(report: Report) -> list[Step]:
    """The checklist of ``report`` in the PSRT's order (see reference/psrt-process.txt)."""
    accepted = report.state in DECIDED
    facts: dict[str, tuple[bool, str]] = {
        "accepted": (accepted, ""),
        "cve_id": (bool(report.cve_id), report.cve_id or "reserve or assign a CVE ID"),
        "severity": (
            bool(report.severity),
            (f"{report.severity}" + (f" ({report.cvss_vector})" if report.cvss_vector else ""))
            if report.severity
            else "Low, Medium, High or Critical (a CVSS vector may back it)",
        ),
        "reporter_told": _reporter_told(report),
        "credit_asked": _credit(report),
        "fix_approach": (
            bool(report.fix_approach),
            report.get_fix_approach_display() if report.fix_approach else "public or private",
        ),
    }
    missing = advisory_problems(report)
    facts["advisory_complete"] = (
        (False, "lacks " + ", ".join(missing)) if missing else (True, report.advisory_title)
    )
    facts["pr_labelled"], facts["merged"] = _prs(report)
    published = report.state == State.PUBLISHED
    facts["published"] = (published, "published" if published else "publish the advisory")

    steps: list[Step] = []
    for code, label, waits_for, action in STEPS:
        done, detail = facts[code]
        if done:
            status = DONE
        elif all(facts[w][0] for w in waits_for):
            status = NEXT
        else:
            status = WAITING
            if not accepted:
                detail = f"after acceptance; {detail}"
        steps.append(Step(code, label, status, detail, action, waits_for))
    return steps

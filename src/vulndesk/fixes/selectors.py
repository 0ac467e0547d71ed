"""Reads of the fix: the backport matrix, and what of it is public after publication."""

from __future__ import annotations

from typing import Any

from vulndesk.accounts.models import User
from vulndesk.core.errors import NotFound
from vulndesk.reports import permissions as perms
from vulndesk.reports.models import Report

from .models import AdvisoryLink, FixTarget
from .services import labels_ok


def fix_matrix(report: Report, *, user: User | None) -> dict[str, Any]:
    """Per branch: its PRs (merged, commit, labels, GitHub state), waiver, first release,
    and a status: merged, open, missing or waived. Team and invited collaborators only."""
    perms.require_view(user, report)
    if not perms.can_view_internal(user, report):
        raise NotFound(f"There is no fix plan of {report.key} for you.")
    prs = list(report.fix_prs.select_related("github"))
    rows = []
    branches = {t.branch: t for t in FixTarget.objects.filter(report=report)}
    for branch in sorted(set(branches) | {pr.branch for pr in prs if pr.branch}):
        target = branches.get(branch)
        on_branch = [pr for pr in prs if pr.branch == branch]
        pr_rows = []
        for pr in on_branch:
            status = getattr(pr, "github", None)
            pr_rows.append(
                {
                    "url": pr.url,
                    "labels": list(pr.labels),
                    "labels_ok": labels_ok(report, list(pr.labels)),
                    "merged": pr.merged_at is not None,
                    "merged_at": pr.merged_at.isoformat() if pr.merged_at else None,
                    "commit": pr.merge_commit,
                    "github_state": status.state if status else "",
                }
            )
        counted = [p for p in pr_rows if p["merged"] and p["labels_ok"]]
        if target is not None and target.waived:
            state = "waived"
        elif counted:
            state = "merged"
        elif pr_rows:
            state = "open"
        else:
            state = "missing"
        rows.append(
            {
                "branch": branch,
                "targeted": target is not None,
                "status": state,
                "prs": pr_rows,
                "commit": counted[0]["commit"] if counted else "",
                "first_release": target.first_release if target else "",
                "waived_reason": target.waived_reason if target else "",
            }
        )
    link = AdvisoryLink.objects.filter(report=report).first()
    return {
        "report": report.key,
        "approach": report.fix_approach,
        "private_fix_approved": report.private_fix_approved_at is not None,
        "private_fix_url": report.private_fix_url,
        "ghsa": None
        if link is None
        else {
            "repository": link.repository,
            "id": link.ghsa_id,
            "state": link.state,
            "private_fork": link.private_fork,
        },
        "branches": rows,
    }


def public_ranges(report: Report) -> list[dict[str, str]]:
    """Per target branch, what the public advisory says: fixing commit and first release,
    or the waiver's reason. Called only when publishing (the public-page step)."""
    out = []
    for target in FixTarget.objects.filter(report=report):
        merged = [
            pr
            for pr in report.fix_prs.filter(branch=target.branch)
            if pr.merged_at is not None and labels_ok(report, list(pr.labels))
        ]
        out.append(
            {
                "branch": target.branch,
                "commit": merged[0].merge_commit if merged else "",
                "fixed_version": target.first_release,
                "waived": target.waived_reason if target.waived else "",
            }
        )
    return out

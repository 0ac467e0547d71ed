"""The fix: branches that need it, PRs read from GitHub, waivers, releases, the GitHub
advisory mirror, imports of private vulnerability reports, and the private fork."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from vulndesk.accounts.models import Team, User
from vulndesk.accounts.permissions import require_team_member as require_team_membership
from vulndesk.core import clock
from vulndesk.core.errors import NotFound, TransitionRefused, ValidationFailed
from vulndesk.reports import permissions as perms
from vulndesk.reports import services as rs
from vulndesk.reports.models import FixPR, Report, Source, State
from vulndesk.reports.timeline import record

from .github import GitHubClient, github_client, parse_url, require_client, split_repository
from .models import AdvisoryLink, FixTarget, PRStatus

BRANCH_MAX = 100


def _locked(report: Report) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("team", "project", "coordinator", "reporter")
        .get(pk=report.pk)
    )


def _clean_branch(branch: str) -> str:
    branch = branch.strip()
    if not branch or len(branch) > BRANCH_MAX or any(c.isspace() for c in branch):
        raise ValidationFailed(f"{branch!r} is not a branch name (e.g. 3.12 or main).")
    return branch


def _open_for_fix(report: Report) -> None:
    if report.state not in (State.ACCEPTED, State.FIXING, State.FIXED):
        raise TransitionRefused(
            f"{report.key} is {report.get_state_display().lower()}; the fix plan is set "
            "between acceptance and publication."
        )


# ------------------------------------------------------------------ targets, waivers, releases


def fix_targets_set(report: Report, *, actor: User, branches: list[str]) -> list[FixTarget]:
    """The branches that need the fix. A branch with a linked PR cannot be dropped."""
    wanted = sorted({_clean_branch(b) for b in branches})
    if not wanted:
        raise ValidationFailed("Name at least one branch that needs the fix.")
    with transaction.atomic():
        report = _locked(report)
        perms.require_team_member(actor, report)
        _open_for_fix(report)
        current = {t.branch: t for t in FixTarget.objects.filter(report=report)}
        dropped = [b for b in current if b not in wanted]
        with_pr = [b for b in dropped if report.fix_prs.filter(branch=b).exists()]
        if with_pr:
            raise ValidationFailed(
                f"{', '.join(with_pr)} already has a fix PR; "
                "waive the branch instead of dropping it."
            )
        FixTarget.objects.filter(report=report, branch__in=dropped).delete()
        for branch in wanted:
            if branch not in current:
                FixTarget.objects.create(report=report, branch=branch)
        record(
            report,
            actor=actor,
            action="fix:targets:set",
            before={"branches": sorted(current)},
            after={"branches": wanted},
        )
        return list(FixTarget.objects.filter(report=report))


def _target(report: Report, branch: str) -> FixTarget:
    target = FixTarget.objects.filter(report=report, branch=branch).first()
    if target is None:
        raise NotFound(f"{branch} is not a branch that {report.key} must be fixed on.")
    return target


def fix_target_waive(report: Report, *, actor: User, branch: str, reason: str) -> FixTarget:
    """Publish without the fix on ``branch`` (e.g. end of life); the reason is kept."""
    if not reason.strip():
        raise ValidationFailed("Say why the branch is not fixed: a waiver needs a reason.")
    with transaction.atomic():
        report = _locked(report)
        perms.require_coordinator_or_admin(actor, report)
        _open_for_fix(report)
        target = _target(report, branch)
        target.waived_reason = reason.strip()
        target.waived_by = actor
        target.waived_at = clock.now()
        target.save()
        record(
            report,
            actor=actor,
            action="fix:target:waive",
            after={"branch": branch},
            note=target.waived_reason,
        )
        return target


def fix_target_unwaive(report: Report, *, actor: User, branch: str) -> FixTarget:
    with transaction.atomic():
        report = _locked(report)
        perms.require_coordinator_or_admin(actor, report)
        target = _target(report, branch)
        target.waived_reason, target.waived_by, target.waived_at = "", None, None
        target.save()
        record(report, actor=actor, action="fix:target:unwaive", after={"branch": branch})
        return target


def fix_target_release(report: Report, *, actor: User, branch: str, version: str) -> FixTarget:
    """The first release on ``branch`` that contains the fix (also after publication: a
    published report then gets a revision)."""
    version = version.strip()
    if not version or len(version) > 64:
        raise ValidationFailed(f"{version!r} is not a version.")
    with transaction.atomic():
        report = _locked(report)
        perms.require_team_member(actor, report)
        target = _target(report, branch)
        if not counted_prs(report, branch):
            raise TransitionRefused(
                f"No merged fix PR with the labels {' and '.join(report.team.fix_labels)} on "
                f"{branch}; a release cannot contain a fix that is not merged."
            )
        before = target.first_release
        target.first_release = version
        target.save()
        record(
            report,
            actor=actor,
            action="fix:target:release",
            before={"branch": branch, "release": before},
            after={"branch": branch, "release": version},
        )
        return target


# ------------------------------------------------------------------ counting PRs


def labels_ok(report: Report, labels: list[str]) -> bool:
    return all(label in labels for label in report.team.fix_labels)


def counted_prs(report: Report, branch: str) -> list[FixPR]:
    """Merged PRs on ``branch`` that carry the policy's labels: only these count."""
    return [
        pr
        for pr in report.fix_prs.filter(branch=branch)
        if pr.merged_at is not None and labels_ok(report, list(pr.labels))
    ]


def fix_publish_problems(report: Report) -> list[str]:
    """Publishing guard: every target branch merged (labelled PR) or waived with a reason."""
    problems = []
    for target in FixTarget.objects.filter(report=report):
        if target.waived or counted_prs(report, target.branch):
            continue
        problems.append(
            f"the fix is not merged on {target.branch} (merge a labelled PR there "
            "or waive the branch with a reason)"
        )
    unlabelled = [pr.url for pr in report.fix_prs.all() if not labels_ok(report, list(pr.labels))]
    if unlabelled:
        problems.append(
            f"these fix PRs lack the labels {' and '.join(report.team.fix_labels)} on GitHub: "
            + ", ".join(unlabelled)
        )
    return problems


# ------------------------------------------------------------------ PRs from GitHub


def pr_link(
    report: Report,
    *,
    actor: User,
    url: str,
    branch: str = "",
    labels: list[str] | None = None,
    client: GitHubClient | None = None,
) -> FixPR:
    """Link a public fix PR. With GitHub configured, its labels, base branch and merge are
    read from GitHub (and a PR without the policy's labels is refused); without, they are
    taken as given."""
    client = client or github_client()
    info = None
    if client is not None:
        owner, repo, kind, number = parse_url(url)
        if kind != "pull":
            raise ValidationFailed(f"{url} is an issue; link the pull request that fixes it.")
        perms.require_team_member(actor, report)
        info = client.pull(owner, repo, number)
        url, labels = info.url, info.labels
        branch = branch or info.base
    branch = _clean_branch(branch or "main")
    pr = rs.report_add_pr(report, actor=actor, url=url, branch=branch, labels=labels or [])
    FixTarget.objects.get_or_create(report=report, branch=branch)
    if info is not None:
        PRStatus.objects.update_or_create(
            fix_pr=pr,
            defaults={
                "state": info.state,
                "title": info.title[:300],
                "base_ref": info.base,
                "fetched_at": clock.now(),
            },
        )
        if info.merged:
            rs.report_merge_pr(report, actor=actor, url=url, commit=info.merge_commit)
    pr.refresh_from_db()
    return pr


def pr_refresh(
    report: Report, *, actor: User, client: GitHubClient | None = None
) -> list[dict[str, Any]]:
    """Re-read every fix PR of ``report`` from GitHub: labels, state, merge commit. A PR
    merged since is recorded as merged (which may make the report fixed)."""
    report.refresh_from_db()
    perms.require_team_member(actor, report)
    gh = require_client(client)
    changes = []
    for pr in list(report.fix_prs.all()):
        owner, repo, _, number = parse_url(pr.url)
        info = gh.pull(owner, repo, number)
        status, _ = PRStatus.objects.get_or_create(fix_pr=pr)
        status.state, status.title, status.base_ref = info.state, info.title[:300], info.base
        status.fetched_at, status.last_error = clock.now(), ""
        status.save()
        change: dict[str, Any] = {"url": pr.url, "merged": info.merged, "labels": info.labels}
        if sorted(pr.labels) != info.labels:
            change["labels_before"] = sorted(pr.labels)
            with transaction.atomic():
                FixPR.objects.filter(pk=pr.pk).update(labels=info.labels)
                record(
                    report,
                    actor=actor,
                    action="fix:pr:labels",
                    before={"url": pr.url, "labels": sorted(pr.labels)},
                    after={"url": pr.url, "labels": info.labels},
                )
        if info.merged and pr.merged_at is None:
            rs.report_merge_pr(report, actor=actor, url=pr.url, commit=info.merge_commit)
            change["newly_merged"] = True
        change["counted"] = info.merged and labels_ok(report, info.labels)
        changes.append(change)
    return changes


# ------------------------------------------------------------------ release check


def release_check(team: Team, project_slug: str, version: str, *, actor: User) -> dict[str, Any]:
    """Unreleased security fixes that target ``version``'s branch (3.12.5 -> 3.12; also
    ``main``-only fixes are not listed). ``ok`` is False while any is unmerged."""
    require_team_membership(actor, team)
    project = team.projects.filter(slug=project_slug).first()
    if project is None:
        raise NotFound(f"{team.name} has no project {project_slug!r}.")
    parts = version.strip().split(".")
    if len(parts) < 2 or not all(p[:1].isdigit() for p in parts[:2]):
        raise ValidationFailed(f"{version!r} is not a version like 3.12.5.")
    branch = ".".join(parts[:2])
    targets = (
        FixTarget.objects.filter(
            report__project=project,
            branch=branch,
            first_release="",
            waived_at=None,
            report__state__in=[State.ACCEPTED, State.FIXING, State.FIXED, State.PUBLISHED],
        )
        .select_related("report", "report__team")
        .order_by("report__key")
    )
    fixes = []
    for target in targets:
        report = target.report
        prs = list(report.fix_prs.filter(branch=branch))
        merged = bool(counted_prs(report, branch))
        fixes.append(
            {
                "report": report.key,
                "branch": branch,
                "merged": merged,
                "prs": [
                    {"url": pr.url, "merged": pr.merged_at is not None, "labels": pr.labels}
                    for pr in prs
                ],
            }
        )
    unmerged = [f for f in fixes if not f["merged"]]
    return {
        "project": project.slug,
        "version": version,
        "branch": branch,
        "fixes": fixes,
        "unmerged": len(unmerged),
        "ok": not unmerged,
    }


# ------------------------------------------------------------------ GitHub advisories


GH_SEVERITY = {"Low": "low", "Medium": "medium", "High": "high", "Critical": "critical"}
GH_CREDIT = {
    "finder": "finder",
    "reporter": "reporter",
    "analyst": "analyst",
    "coordinator": "coordinator",
    "remediation developer": "remediation_developer",
    "remediation reviewer": "remediation_reviewer",
    "remediation verifier": "remediation_verifier",
    "tool": "tool",
    "sponsor": "sponsor",
    "other": "other",
}


def ghsa_payload(report: Report, *, credit_logins: dict[str, str] | None = None) -> dict[str, Any]:
    """The report as a repository security advisory. ``credit_logins`` maps GitHub logins to our
    (CVE JSON) credit types; GitHub credits name accounts, not free text."""
    project = report.project
    ecosystem = "pip" if project is not None and project.ecosystem == "PyPI" else "other"
    package = {
        "ecosystem": ecosystem,
        "name": (project.package_name or project.slug) if project else report.team.slug,
    }
    vulnerabilities = []
    functions = [c.strip() for c in report.affected_components.splitlines() if c.strip()]
    for target in FixTarget.objects.filter(report=report):
        if target.waived:
            continue
        vulnerabilities.append(
            {
                "package": package,
                "vulnerable_version_range": f">= {target.branch}.0, < {target.first_release}"
                if target.first_release
                else None,
                "patched_versions": target.first_release or None,
                "vulnerable_functions": functions or None,
            }
        )
    if not vulnerabilities:
        vulnerabilities.append(
            {
                "package": package,
                "vulnerable_version_range": None,
                "patched_versions": None,
                "vulnerable_functions": functions or None,
            }
        )
    payload: dict[str, Any] = {
        "summary": (report.advisory_title or report.title)[:1024],
        "description": (report.advisory_description or report.title)[:65535],
        "vulnerabilities": vulnerabilities,
        "cve_id": report.cve_id or None,
    }
    if report.cvss_vector:
        payload["cvss_vector_string"] = report.cvss_vector
    elif report.severity:
        payload["severity"] = GH_SEVERITY[report.severity]
    if credit_logins:
        bad = [t for t in credit_logins.values() if t not in GH_CREDIT]
        if bad:
            raise ValidationFailed(f"Unknown credit type(s): {', '.join(bad)}.")
        payload["credits"] = [
            {"login": login, "type": GH_CREDIT[kind]} for login, kind in credit_logins.items()
        ]
    return payload


def ghsa_mirror(
    report: Report,
    *,
    actor: User,
    repository: str = "",
    credit_logins: dict[str, str] | None = None,
    private_fork: bool = False,
    client: GitHubClient | None = None,
) -> AdvisoryLink:
    """Create the report's repository security advisory, or update the one it has."""
    report.refresh_from_db()
    perms.require_team_member(actor, report)
    gh = require_client(client)
    link = AdvisoryLink.objects.filter(report=report).first()
    payload = ghsa_payload(report, credit_logins=credit_logins)
    if link is None:
        if not repository:
            if report.project is None or not report.project.repository_url:
                raise ValidationFailed(
                    "Name the repository (OWNER/NAME) to create the advisory in."
                )
            repository = report.project.repository_url.removeprefix("https://github.com/")
        owner, repo = split_repository(repository.strip("/"))
        if private_fork:
            payload["start_private_fork"] = True
        data = gh.advisory_create(owner, repo, payload)
        link = AdvisoryLink.objects.create(
            report=report, repository=f"{owner}/{repo}", ghsa_id=data["ghsa_id"]
        )
        action = "github:advisory:create"
    else:
        owner, repo = split_repository(link.repository)
        data = gh.advisory_update(owner, repo, link.ghsa_id, payload)
        action = "github:advisory:update"
    _store_link(link, data)
    record(report, actor=actor, action=action, after={"ghsa": link.ghsa_id, "state": link.state})
    return link


def _store_link(link: AdvisoryLink, data: dict[str, Any]) -> None:
    link.state = data.get("state") or ""
    link.html_url = data.get("html_url") or ""
    fork = data.get("private_fork") or {}
    link.private_fork = fork.get("full_name", "") if fork else link.private_fork
    link.synced_at = clock.now()
    link.save()


def ghsa_pull(report: Report, *, actor: User, client: GitHubClient | None = None) -> AdvisoryLink:
    """Back from GitHub: the advisory's state, and its summary and description into the
    report's advisory where ours are still empty (GitHub's UI is where many teams write)."""
    report.refresh_from_db()
    perms.require_team_member(actor, report)
    gh = require_client(client)
    link = AdvisoryLink.objects.filter(report=report).first()
    if link is None:
        raise NotFound(f"{report.key} has no GitHub advisory; mirror it first.")
    owner, repo = split_repository(link.repository)
    data = gh.advisory(owner, repo, link.ghsa_id)
    _store_link(link, data)
    fields: dict[str, Any] = {}
    if not report.advisory_title and data.get("summary"):
        fields["title"] = data["summary"]
    if not report.advisory_description and data.get("description"):
        fields["description"] = data["description"]
    if fields and report.state in (State.ACCEPTED, State.FIXING, State.FIXED):
        rs.report_set_advisory(report, actor=actor, **fields)
    return link


def ghsa_import(
    team: Team, *, actor: User, repository: str, client: GitHubClient | None = None
) -> list[Report]:
    """Private vulnerability reports (GitHub state ``triage``) into the team's inbox, once."""
    require_team_membership(actor, team)
    gh = require_client(client)
    owner, repo = split_repository(repository)
    created = []
    for item in gh.advisories(owner, repo, state="triage"):
        if AdvisoryLink.objects.filter(
            repository=f"{owner}/{repo}", ghsa_id=item["ghsa_id"]
        ).exists():
            continue
        login = ((item.get("author") or {}).get("login")) or "ghost"
        project = team.projects.filter(repository_url__iendswith=f"/{owner}/{repo}").first()
        with transaction.atomic():
            report = rs.report_create(
                team=team,
                reporter_email=f"{login}@users.noreply.github.com",
                reporter_name=login,
                title=(item.get("summary") or item["ghsa_id"])[:300],
                body=item.get("description") or "",
                project=project,
                source=Source.GHSA,
                actor=actor,
            )
            link = AdvisoryLink.objects.create(
                report=report, repository=f"{owner}/{repo}", ghsa_id=item["ghsa_id"]
            )
            _store_link(link, item)
            record(
                report,
                actor=actor,
                action="github:report:import",
                after={"ghsa": item["ghsa_id"], "repository": f"{owner}/{repo}"},
            )
        created.append(report)
    return created


def private_fork_create(
    report: Report, *, actor: User, client: GitHubClient | None = None
) -> AdvisoryLink:
    """The temporary private fork for a High/Critical fix (team policy), on the advisory."""
    report.refresh_from_db()
    perms.require_coordinator_or_admin(actor, report)
    if not report.needs_private_fix:
        raise TransitionRefused(
            f"{report.key} is {report.severity or 'without severity'}; the team's policy fixes "
            f"only {', '.join(report.team.private_fix_severities)} in a private fork."
        )
    gh = require_client(client)
    link = AdvisoryLink.objects.filter(report=report).first()
    if link is None:
        raise NotFound(f"{report.key} has no GitHub advisory; mirror it first.")
    if link.private_fork:
        return link
    owner, repo = split_repository(link.repository)
    data = gh.fork_create(owner, repo, link.ghsa_id)
    link.private_fork = data.get("full_name", "")
    link.save()
    url = data.get("html_url") or f"https://github.com/{link.private_fork}"
    rs.report_set_fix(report, actor=actor, approach="private", private_fix_url=url)
    record(report, actor=actor, action="github:fork:create", after={"fork": link.private_fork})
    return link

"""`vulndesk fix …`, `vulndesk github …` and `vulndesk release-check` (see vulndesk.cli)."""

from __future__ import annotations

import argparse
import json
from typing import Any

# The top-level command names this module adds; the CLI routes them here, not to Django.
COMMANDS: frozenset[str] = frozenset({"fix", "github", "release-check"})


def _actor(args: argparse.Namespace) -> Any:
    from vulndesk.cli import _actor as cli_actor

    return cli_actor(args)


def _report(args: argparse.Namespace, actor: Any) -> Any:
    from vulndesk.reports.selectors import report_get

    return report_get(args.key, user=actor)


def _matrix(report: Any, actor: Any) -> dict[str, Any]:
    from vulndesk.fixes.selectors import fix_matrix

    report.refresh_from_db()
    return fix_matrix(report, user=actor)


def cmd_fix_matrix(args: argparse.Namespace) -> Any:
    actor = _actor(args)
    return _matrix(_report(args, actor), actor)


def cmd_fix_targets(args: argparse.Namespace) -> Any:
    from vulndesk.fixes.services import fix_targets_set

    actor = _actor(args)
    report = _report(args, actor)
    fix_targets_set(report, actor=actor, branches=args.branch)
    return _matrix(report, actor)


def cmd_fix_waive(args: argparse.Namespace) -> Any:
    from vulndesk.fixes.services import fix_target_unwaive, fix_target_waive

    actor = _actor(args)
    report = _report(args, actor)
    if args.undo:
        fix_target_unwaive(report, actor=actor, branch=args.branch)
    else:
        fix_target_waive(report, actor=actor, branch=args.branch, reason=args.reason)
    return _matrix(report, actor)


def cmd_fix_release(args: argparse.Namespace) -> Any:
    from vulndesk.fixes.services import fix_target_release

    actor = _actor(args)
    report = _report(args, actor)
    fix_target_release(report, actor=actor, branch=args.branch, version=args.version)
    return _matrix(report, actor)


def cmd_fix_link_pr(args: argparse.Namespace) -> Any:
    from vulndesk.fixes.services import pr_link

    actor = _actor(args)
    report = _report(args, actor)
    pr_link(report, actor=actor, url=args.url, branch=args.branch, labels=args.label)
    return _matrix(report, actor)


def cmd_fix_refresh(args: argparse.Namespace) -> Any:
    from vulndesk.fixes.services import pr_refresh

    actor = _actor(args)
    report = _report(args, actor)
    return {"changes": pr_refresh(report, actor=actor), **_matrix(report, actor)}


def _team_and_project(spec: str) -> tuple[Any, str]:
    from vulndesk.accounts.models import Project, Team
    from vulndesk.core.errors import NotFound, ValidationFailed

    if "/" in spec:
        team_slug, project_slug = spec.split("/", 1)
        team = Team.objects.filter(slug=team_slug).first()
        if team is None:
            raise NotFound(f"There is no team {team_slug!r}.")
        return team, project_slug
    projects = list(Project.objects.filter(slug=spec).select_related("team")[:2])
    if len(projects) != 1:
        raise ValidationFailed(
            f"Name the project as TEAM/PROJECT ({spec!r} is not unique or unknown)."
        )
    return projects[0].team, spec


def cmd_release_check(args: argparse.Namespace) -> Any:
    """Print the pending fixes; exit 1 while any is unmerged (for release tooling)."""
    from vulndesk.fixes.services import pr_refresh, release_check
    from vulndesk.reports.models import Report

    actor = _actor(args)
    team, project = _team_and_project(args.project)
    result = release_check(team, project, args.version, actor=actor)
    if args.refresh and result["fixes"]:
        for key in sorted({f["report"] for f in result["fixes"]}):
            pr_refresh(Report.objects.get(key=key), actor=actor)
        result = release_check(team, project, args.version, actor=actor)
    if args.json:
        text = json.dumps(result, indent=2)
    else:
        lines = [f"{result['project']} {result['version']} (branch {result['branch']}):"]
        for fix in result["fixes"]:
            mark = "merged" if fix["merged"] else "NOT MERGED"
            urls = ", ".join(p["url"] for p in fix["prs"]) or "no PR linked yet"
            lines.append(f"  {fix['report']}: {mark} ({urls})")
        if not result["fixes"]:
            lines.append("  no unreleased security fix targets this branch")
        unmerged = f"BLOCKED: {result['unmerged']} security fix(es) unmerged"
        lines.append("OK" if result["ok"] else unmerged)
        text = "\n".join(lines)
    print(text)  # noqa: T201 - the command's output, read by release tooling
    if not result["ok"]:
        raise SystemExit(1)
    return None


def _credits(values: list[str]) -> dict[str, str]:
    from vulndesk.core.errors import ValidationFailed

    out = {}
    for value in values:
        login, _, kind = value.partition(":")
        if not login or not kind:
            raise ValidationFailed(
                f"{value!r}: write a credit as LOGIN:TYPE (e.g. octocat:finder)."
            )
        out[login] = kind.replace("_", " ")
    return out


def _link(link: Any) -> dict[str, Any]:
    return {
        "report": link.report.key,
        "repository": link.repository,
        "ghsa_id": link.ghsa_id,
        "state": link.state,
        "url": link.html_url,
        "private_fork": link.private_fork,
    }


def cmd_github_mirror(args: argparse.Namespace) -> Any:
    from vulndesk.fixes.services import ghsa_mirror

    actor = _actor(args)
    report = _report(args, actor)
    link = ghsa_mirror(
        report,
        actor=actor,
        repository=args.repo,
        credit_logins=_credits(args.credit),
        private_fork=args.private_fork,
    )
    return _link(link)


def cmd_github_pull(args: argparse.Namespace) -> Any:
    from vulndesk.fixes.services import ghsa_pull

    actor = _actor(args)
    return _link(ghsa_pull(_report(args, actor), actor=actor))


def cmd_github_fork(args: argparse.Namespace) -> Any:
    from vulndesk.fixes.services import private_fork_create

    actor = _actor(args)
    return _link(private_fork_create(_report(args, actor), actor=actor))


def cmd_github_import(args: argparse.Namespace) -> Any:
    from vulndesk.accounts.models import Team
    from vulndesk.core.errors import NotFound
    from vulndesk.fixes.services import ghsa_import

    actor = _actor(args)
    team = Team.objects.filter(slug=args.team).first()
    if team is None:
        raise NotFound(f"There is no team {args.team!r}.")
    reports = ghsa_import(team, actor=actor, repository=args.repo)
    return {"imported": [{"key": r.key, "title": r.title} for r in reports]}


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add this app's command groups to the `vulndesk` parser."""
    fix = commands.add_parser("fix", help="the fix plan: branches, PRs, waivers, releases")
    sub = fix.add_subparsers(dest="action", metavar="ACTION", required=True)

    def cmd(name: str, text: str, handler: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text, description=text, parents=[common])
        p.add_argument("key", metavar="KEY", help="report key, e.g. PSRT-2026-0042")
        p.set_defaults(handler=handler)
        return p

    cmd("matrix", "show the backport matrix (branch, PR, merged, commit, release)", cmd_fix_matrix)
    p = cmd("targets", "set the branches that need the fix", cmd_fix_targets)
    p.add_argument("--branch", action="append", required=True, help="repeat per branch")
    p = cmd("waive", "publish without the fix on a branch, with a reason", cmd_fix_waive)
    p.add_argument("--branch", required=True)
    p.add_argument("--reason", default="")
    p.add_argument("--undo", action="store_true", help="withdraw the waiver")
    p = cmd("release", "record the first release that contains the fix", cmd_fix_release)
    p.add_argument("--branch", required=True)
    p.add_argument("--version", required=True)
    p = cmd("link-pr", "link a public fix PR (read from GitHub when configured)", cmd_fix_link_pr)
    p.add_argument("url", metavar="URL")
    p.add_argument("--branch", default="", help="default: the PR's base branch")
    p.add_argument("--label", action="append", default=[], help="without GitHub: its labels")
    cmd("refresh", "re-read the fix PRs from GitHub (labels, merge)", cmd_fix_refresh)

    gh = commands.add_parser("github", help="GitHub security advisories and private forks")
    gsub = gh.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = gsub.add_parser(
        "mirror", help="create or update the report's GitHub advisory", parents=[common]
    )
    p.add_argument("key", metavar="KEY")
    p.add_argument("--repo", default="", help="OWNER/NAME (default: the project's repository)")
    p.add_argument("--credit", action="append", default=[], metavar="LOGIN:TYPE")
    p.add_argument("--private-fork", action="store_true", help="start a private fork too")
    p.set_defaults(handler=cmd_github_mirror)
    p = gsub.add_parser("pull", help="read the advisory back from GitHub", parents=[common])
    p.add_argument("key", metavar="KEY")
    p.set_defaults(handler=cmd_github_pull)
    p = gsub.add_parser("fork", help="create the temporary private fork", parents=[common])
    p.add_argument("key", metavar="KEY")
    p.set_defaults(handler=cmd_github_fork)
    p = gsub.add_parser(
        "import", help="import private vulnerability reports into the inbox", parents=[common]
    )
    p.add_argument("--team", required=True)
    p.add_argument("--repo", required=True, help="OWNER/NAME")
    p.set_defaults(handler=cmd_github_import)

    p = commands.add_parser(
        "release-check",
        help="list unreleased security fixes for a version; exit 1 while any is unmerged",
        parents=[common],
    )
    p.add_argument("project", metavar="PROJECT", help="TEAM/PROJECT (or a unique project slug)")
    p.add_argument("version", metavar="VERSION", help="e.g. 3.12.5 (its branch is 3.12)")
    p.add_argument("--refresh", action="store_true", help="re-read the PRs from GitHub first")
    p.set_defaults(handler=cmd_release_check)

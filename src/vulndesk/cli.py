"""The ``vulndesk`` command: every workflow action, plus Django's management commands.

Each command parses its arguments, calls one service and prints the result (``--json``
for machines). A refused action exits 1 with the refusal on stderr (and as a JSON
error object on stdout with ``--json``); bad usage exits 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

OWN_COMMANDS = {"report", "team", "user", "demo", "demo-totp", "serve"}

# Apps add their own command groups: each module here has COMMANDS (the top-level names
# it adds) and register(commands, common), called with the top-level subparsers and the
# parent parser that carries --as and --json. The modules import nothing from Django at
# import time, so `vulndesk --help` needs no database.
PLUGIN_MODULES = [
    "vulndesk.advisories.cli",
    "vulndesk.cna.cli",
    "vulndesk.mail.cli",
    "vulndesk.desk.cli",
    "vulndesk.portal.cli",
    "vulndesk.fixes.cli",
    "vulndesk.public.cli",
    "vulndesk.triage.cli",
    "vulndesk.api.cli",
    "vulndesk.webhooks.cli",
]


def _plugins() -> list[Any]:
    import importlib

    return [importlib.import_module(name) for name in PLUGIN_MODULES]


for _plugin in _plugins():
    OWN_COMMANDS |= set(_plugin.COMMANDS)

EXIT_REFUSED = 1

Handler = Callable[[argparse.Namespace], Any]


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vulndesk.settings")
    import django

    django.setup()


# --------------------------------------------------------------------------- helpers


def _actor(args: argparse.Namespace, *, required: bool = True) -> Any:
    from vulndesk.accounts.services import user_find
    from vulndesk.core.errors import ValidationFailed

    who = args.as_user or os.environ.get("VULNDESK_AS", "")
    if not who:
        if required:
            raise ValidationFailed("Say who acts: --as USER (or set VULNDESK_AS).")
        return None
    return user_find(who)


def _report(args: argparse.Namespace, actor: Any) -> Any:
    from vulndesk.reports.selectors import report_get

    return report_get(args.key, user=actor)


def _team(slug: str) -> Any:
    from vulndesk.accounts.models import Team
    from vulndesk.core.errors import NotFound

    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise NotFound(f"There is no team {slug!r}.")
    return team


def _detail(report: Any, actor: Any) -> dict[str, Any]:
    from vulndesk.reports.selectors import report_detail

    report.refresh_from_db()
    return report_detail(report, user=actor)


def _print_report(data: dict[str, Any]) -> None:
    print(f"{data['key']}  [{data['state']}]  {data['title']}")
    rows = [
        ("team", data["team"]),
        ("project", data.get("project")),
        ("reporter", (data.get("reporter") or {}).get("email")),
        ("coordinator", data.get("coordinator")),
        ("CVE ID", data.get("cve_id")),
        ("severity", data.get("severity")),
        ("CVSS", data.get("cvss_vector")),
        ("fix", data.get("fix_approach")),
    ]
    for label, value in rows:
        if value:
            print(f"  {label:<12} {value}")
    advisory = data.get("advisory") or {}
    if advisory.get("title"):
        print(f"  {'advisory':<12} {advisory['title']}")
    for pr in data.get("fix_prs", []):
        merged = "merged" if pr["merged"] else "open"
        print(f"  {'fix PR':<12} {pr['url']} ({pr['branch'] or 'main'}, {merged})")
    if data.get("body"):
        print()
        print(data["body"])
    if data.get("comments"):
        print("\nComments:")
        for comment in data["comments"]:
            print(f"  {comment['at']}  {comment['author']}  ({comment['visibility']})")
            for line in comment["body"].splitlines():
                print(f"    {line}")
    if data.get("timeline"):
        print("\nTimeline:")
        for event in data["timeline"]:
            change = ""
            if event["after"]:
                change = " " + json.dumps(event["after"], ensure_ascii=False)
            note = f" — {event['note']}" if event["note"] else ""
            print(f"  {event['at']}  {event['actor']}  {event['action']}{change}{note}")


# --------------------------------------------------------------------------- report


def cmd_report_create(args: argparse.Namespace) -> Any:
    from vulndesk.reports.services import report_create

    actor = _actor(args, required=False)
    team = _team(args.team)
    project = None
    if args.project:
        project = team.projects.filter(slug=args.project).first()
        if project is None:
            from vulndesk.core.errors import NotFound

            raise NotFound(f"{team.name} has no project {args.project!r}.")
    body = args.body
    if args.body_file:
        body = sys.stdin.read() if args.body_file == "-" else _read(args.body_file)
    report = report_create(
        team=team,
        reporter_email=args.reporter,
        reporter_name=args.reporter_name,
        title=args.title,
        body=body or "",
        project=project,
        source=args.source,
        actor=actor,
    )
    viewer = actor
    return _detail(report, viewer) if viewer else _public_created(report)


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _public_created(report: Any) -> dict[str, Any]:
    from vulndesk.reports.selectors import report_summary

    return report_summary(report)


def cmd_report_list(args: argparse.Namespace) -> Any:
    from vulndesk.accounts.services import user_find
    from vulndesk.reports.selectors import report_list, report_summary

    actor = _actor(args)
    reports = report_list(
        user=actor,
        team=_team(args.team) if args.team else None,
        state=args.state,
        severity=args.severity,
        coordinator=user_find(args.coordinator) if args.coordinator else None,
        project_slug=args.project,
    )[: args.limit]
    rows = [report_summary(r, viewer=actor) for r in reports]
    if args.json:
        return rows
    for row in rows:
        extra = " ".join(v for v in (row["cve_id"], row["severity"]) if v)
        print(
            f"{row['key']:<16} {row['state']:<12} {row['coordinator'] or '-':<12} "
            f"{extra + ' ' if extra else ''}{row['title']}"
        )
    return None


def cmd_report_show(args: argparse.Namespace) -> Any:
    actor = _actor(args)
    return _detail(_report(args, actor), actor)


def _action(fn: Callable[[Any, Any, argparse.Namespace], Any]) -> Handler:
    """Wrap a report action: resolve actor and report, act, return the new detail."""

    def handler(args: argparse.Namespace) -> Any:
        actor = _actor(args)
        report = _report(args, actor)
        fn(report, actor, args)
        return _detail(report, actor)

    return handler


def _do_triage(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.reports.services import report_triage

    report_triage(report, actor=actor, outcome=args.outcome, note=args.note)


def _do_assign(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.accounts.services import user_find
    from vulndesk.reports.services import report_assign

    report_assign(report, actor=actor, coordinator=user_find(args.to), reason=args.reason)


def _do_accept(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.reports.services import report_accept

    report_accept(report, actor=actor, cve_id=args.cve or "", note=args.note)


def _do_reject(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.reports.services import report_reject

    report_reject(report, actor=actor, reason=args.reason)


def _do_reopen(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.reports.services import report_reopen

    report_reopen(report, actor=actor, reason=args.reason)


def _do_withdraw(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.reports.services import report_withdraw

    report_withdraw(report, actor=actor, reason=args.reason)


def _do_comment(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.reports.services import comment_add

    body = sys.stdin.read() if args.body == "-" else args.body
    comment_add(report, actor=actor, body=body, visibility="shared" if args.shared else "internal")


def _do_set_cve(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.reports.services import report_set_cve

    report_set_cve(report, actor=actor, cve_id=args.cve)


def _do_set_severity(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.core.errors import ValidationFailed
    from vulndesk.reports.services import report_set_severity

    if not args.severity and not args.cvss:
        raise ValidationFailed("Give a severity, a CVSS vector (--cvss), or both.")
    report_set_severity(
        report,
        actor=actor,
        severity=args.severity or "",
        cvss_vector=args.cvss or "",
        reason=args.reason,
    )


def _do_set_fix(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.reports.services import report_set_fix

    report_set_fix(
        report,
        actor=actor,
        approach=args.approach,
        provider=args.provider or "",
        private_fix_url=args.private_fix_url or "",
    )


def _do_approve_fix(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.reports.services import report_approve_private_fix

    report_approve_private_fix(report, actor=actor, note=args.note)


def _do_set_advisory(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.reports.services import report_set_advisory

    report_set_advisory(
        report,
        actor=actor,
        title=args.title,
        description=args.description,
        affected_versions=args.affected_versions,
        affected_components=args.components,
        whole_project=args.whole_project,
        mitigations=args.mitigations,
    )


def _do_tell_reporter(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.reports.services import report_tell_reporter

    report_tell_reporter(report, actor=actor, body=args.body or "")


def _do_set_credit(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.reports.services import report_set_credit

    report_set_credit(
        report, actor=actor, wanted=not args.no_credit, name=args.name, credit_type=args.type
    )


def _do_invite(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.accounts.services import user_find
    from vulndesk.reports.services import collaborator_invite

    collaborator_invite(report, actor=actor, user=user_find(args.user))


def _do_add_pr(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.reports.services import report_add_pr

    report_add_pr(report, actor=actor, url=args.url, branch=args.branch, labels=args.label)


def _do_merge_pr(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.reports.services import report_merge_pr

    report_merge_pr(report, actor=actor, url=args.url, commit=args.commit)


def _do_publish(report: Any, actor: Any, args: argparse.Namespace) -> None:
    from vulndesk.reports.services import report_publish

    report_publish(report, actor=actor)


# --------------------------------------------------------------------------- team, user


def cmd_team_create(args: argparse.Namespace) -> Any:
    from vulndesk.accounts.services import team_create, user_find

    team = team_create(
        slug=args.slug,
        name=args.name,
        key_prefix=args.prefix,
        admin=user_find(args.admin) if args.admin else None,
        security_address=args.security_address,
        announce_address=args.announce_address,
        private_reporting_url=args.private_reporting_url,
    )
    return _team_dict(team)


def _team_dict(team: Any) -> dict[str, Any]:
    return {
        "slug": team.slug,
        "name": team.name,
        "key_prefix": team.key_prefix,
        "security_address": team.security_address,
        "announce_address": team.announce_address,
        "private_reporting_url": team.private_reporting_url,
        "private_fix_severities": team.private_fix_severities,
        "fix_labels": team.fix_labels,
        "members": [
            {"username": m.user.username, "email": m.user.email, "role": m.role}
            for m in team.memberships.select_related("user").order_by("user__username")
        ],
        "projects": [p.slug for p in team.projects.all()],
    }


def cmd_team_list(args: argparse.Namespace) -> Any:
    from vulndesk.accounts.models import Team

    rows = [_team_dict(team) for team in Team.objects.all()]
    if args.json:
        return rows
    for row in rows:
        members = ", ".join(f"{m['username']} ({m['role']})" for m in row["members"])
        print(f"{row['slug']:<12} {row['key_prefix']:<6} {row['name']}: {members}")
    return None


def cmd_team_add_member(args: argparse.Namespace) -> Any:
    from vulndesk.accounts.services import team_add_member, user_find

    team = _team(args.team)
    team_add_member(
        team, user=user_find(args.user), role=args.role, actor=_actor(args, required=False)
    )
    return _team_dict(team)


def cmd_team_remove_member(args: argparse.Namespace) -> Any:
    from vulndesk.accounts.services import team_remove_member, user_find

    team = _team(args.team)
    team_remove_member(team, user=user_find(args.user), actor=_actor(args, required=False))
    return _team_dict(team)


def cmd_team_add_project(args: argparse.Namespace) -> Any:
    from vulndesk.accounts.services import project_create

    team = _team(args.team)
    project_create(
        team,
        slug=args.slug,
        name=args.name,
        repository_url=args.repository_url,
        cve_vendor=args.cve_vendor,
        cve_product=args.cve_product,
        ecosystem=args.ecosystem,
        package_name=args.package_name,
        actor=_actor(args, required=False),
    )
    return _team_dict(team)


def cmd_user_create(args: argparse.Namespace) -> Any:
    from vulndesk.accounts.services import user_create

    password = os.environ.get("VULNDESK_NEW_PASSWORD") if args.password_env else None
    user = user_create(username=args.username, email=args.email, password=password, name=args.name)
    return {"username": user.username, "email": user.email}


# --------------------------------------------------------------------------- demo, serve


def cmd_demo(args: argparse.Namespace) -> Any:
    from django.conf import settings

    from vulndesk.core.demo import demo_load
    from vulndesk.core.errors import ApplicationError

    if settings.PRODUCTION and not args.force:
        raise ApplicationError(
            "The demo adds known logins; it is refused in production (use --force to insist)."
        )
    result = demo_load()
    if args.json:
        return result
    if result["created"]:
        print("Loaded the demo team.")
    else:
        print("The demo team is already there.")
    print("Demo logins (log in with the email address; team staff also give a TOTP code):")
    for login in result["logins"]:
        secret = login["totp_secret"] or "-"
        print(
            f"  {login['username']:<8} {login['email']:<24} {login['password']:<18} "
            f"{login['role']:<12} TOTP secret: {secret}"
        )
    print("TOTP codes: vulndesk demo-totp (or add the secret to an authenticator app)")
    return None


def cmd_demo_totp(args: argparse.Namespace) -> Any:
    from vulndesk.core.demo import demo_totp_codes

    codes = demo_totp_codes()
    if args.json:
        return {"codes": codes}
    if not codes:
        print("No demo team members: run `vulndesk demo` first.")
    for row in codes:
        print(f"  {row['username']:<8} {row['code']}  (valid {row['seconds_left']} s more)")
    return None


def cmd_serve(args: argparse.Namespace) -> Any:
    from django.conf import settings
    from django.core.management import call_command

    if settings.PRODUCTION:
        os.execvp(  # noqa: S606 - replaces this process with gunicorn, arguments are ours
            sys.executable,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "vulndesk.wsgi:application",
                "--bind",
                args.addr,
                "--workers",
                str(args.workers),
                "--access-logfile",
                "-",
            ],
        )
    call_command("runserver", args.addr, use_reloader=False)
    return None


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--as",
        dest="as_user",
        metavar="USER",
        default="",
        help="act as this user (username or email; default $VULNDESK_AS)",
    )
    common.add_argument("--json", action="store_true", help="print machine-readable JSON")

    parser = argparse.ArgumentParser(
        prog="vulndesk",
        description=(
            "vulndesk: a desk for security response teams. Besides the commands below, "
            "every Django management command works (vulndesk migrate, vulndesk createsuperuser, …)."
        ),
        epilog="A refused action exits 1 and says why; bad usage exits 2.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    # report ------------------------------------------------------------------
    report = commands.add_parser("report", help="work on reports (the case)")
    rsub = report.add_subparsers(dest="action", metavar="ACTION", required=True)

    def rcmd(
        name: str, help_text: str, handler: Handler, key: bool = True
    ) -> argparse.ArgumentParser:
        p = rsub.add_parser(name, help=help_text, parents=[common], description=help_text)
        if key:
            p.add_argument("key", metavar="KEY", help="report key, e.g. PSRT-2026-0042")
        p.set_defaults(handler=handler)
        return p

    p = rcmd("create", "file a new report", cmd_report_create, key=False)
    p.add_argument("--team", required=True, help="team slug")
    p.add_argument("--reporter", required=True, metavar="EMAIL", help="reporter's email")
    p.add_argument("--reporter-name", default="")
    p.add_argument("--title", required=True)
    p.add_argument("--body", default="")
    p.add_argument("--body-file", metavar="PATH", help="read the body from a file (- for stdin)")
    p.add_argument("--project", metavar="SLUG")
    p.add_argument(
        "--source", default="api", choices=["email", "web", "api", "drafted", "ghsa", "import"]
    )

    p = rcmd("list", "list the reports you may see", cmd_report_list, key=False)
    p.add_argument("--team")
    p.add_argument("--state")
    p.add_argument("--severity")
    p.add_argument("--coordinator", metavar="USER")
    p.add_argument("--project", metavar="SLUG")
    p.add_argument("--limit", type=int, default=200)

    rcmd("show", "show one report (what you may see of it)", cmd_report_show)

    p = rcmd("triage", "admin's first look at a new report", _action(_do_triage))
    p.add_argument("--outcome", required=True, choices=["plausible", "spam", "misdirected"])
    p.add_argument("--note", default="")

    p = rcmd("assign", "assign or hand over the coordinator", _action(_do_assign))
    p.add_argument("--to", required=True, metavar="USER")
    p.add_argument("--reason", default="", help="required for a hand-over")

    p = rcmd("accept", "it is a vulnerability", _action(_do_accept))
    p.add_argument("--cve", metavar="CVE-YYYY-NNNN")
    p.add_argument("--note", default="")

    p = rcmd("reject", "it is not a vulnerability", _action(_do_reject))
    p.add_argument("--reason", required=True)

    p = rcmd("reopen", "reopen a rejected report with new evidence", _action(_do_reopen))
    p.add_argument("--reason", required=True)

    p = rcmd("withdraw", "close an open report for good", _action(_do_withdraw))
    p.add_argument("--reason", required=True)

    p = rcmd("comment", "add a comment (internal unless --shared)", _action(_do_comment))
    p.add_argument("--body", required=True, help="the text (- for stdin)")
    p.add_argument("--shared", action="store_true", help="share it with the reporter")

    p = rcmd("set-cve", "enter the CVE ID", _action(_do_set_cve))
    p.add_argument("cve", metavar="CVE-YYYY-NNNN")

    p = rcmd(
        "set-severity", "set the severity, optionally from a CVSS vector", _action(_do_set_severity)
    )
    p.add_argument("severity", nargs="?", choices=["Low", "Medium", "High", "Critical"])
    p.add_argument("--cvss", metavar="VECTOR")
    p.add_argument("--reason", default="", help="required when overriding the vector's band")

    p = rcmd("set-fix", "set the fix approach and who fixes", _action(_do_set_fix))
    p.add_argument("--approach", required=True, choices=["public", "private"])
    p.add_argument("--provider", choices=["reporter", "core-developer", "team-member"])
    p.add_argument("--private-fix-url", metavar="URL")

    p = rcmd("approve-fix", "approve the private fix", _action(_do_approve_fix))
    p.add_argument("--note", default="")

    p = rcmd("set-advisory", "write the advisory fields", _action(_do_set_advisory))
    p.add_argument("--title")
    p.add_argument("--description")
    p.add_argument("--affected-versions")
    p.add_argument("--components", help="affected modules/functions, one per line")
    p.add_argument("--whole-project", action="store_true", default=None)
    p.add_argument("--mitigations")

    p = rcmd(
        "tell-reporter",
        "tell the reporter: accepted, CVE ID, severity, credit?",
        _action(_do_tell_reporter),
    )
    p.add_argument("--body", help="your own text instead of the template")

    p = rcmd("set-credit", "record the reporter's credit answer", _action(_do_set_credit))
    p.add_argument("--name", default="")
    p.add_argument("--type", default="finder")
    p.add_argument("--no-credit", action="store_true", help="the reporter wants no credit")

    p = rcmd("invite", "invite a collaborator to this report", _action(_do_invite))
    p.add_argument("user", metavar="USER")

    p = rcmd("add-pr", "link a fix pull request", _action(_do_add_pr))
    p.add_argument("url", metavar="URL")
    p.add_argument("--branch", default="")
    p.add_argument("--label", action="append", default=[], help="a label the PR carries")

    p = rcmd("merge-pr", "record that a fix PR was merged", _action(_do_merge_pr))
    p.add_argument("url", metavar="URL")
    p.add_argument("--commit", default="")

    rcmd("publish", "publish the advisory (all guards must hold)", _action(_do_publish))

    # team --------------------------------------------------------------------
    team = commands.add_parser("team", help="teams, members and projects")
    tsub = team.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = tsub.add_parser("create", help="create a team", parents=[common])
    p.add_argument("slug")
    p.add_argument("--name", required=True)
    p.add_argument(
        "--prefix", default="", help="report key prefix (default PSRT, or from the slug if taken)"
    )
    p.add_argument("--admin", metavar="USER", help="first admin")
    p.add_argument("--security-address", default="")
    p.add_argument("--announce-address", default="")
    p.add_argument("--private-reporting-url", default="")
    p.set_defaults(handler=cmd_team_create)
    p = tsub.add_parser("list", help="list teams", parents=[common])
    p.set_defaults(handler=cmd_team_list)
    p = tsub.add_parser("add-member", help="add a member or change their role", parents=[common])
    p.add_argument("team")
    p.add_argument("user")
    p.add_argument("--role", default="member", choices=["admin", "member"])
    p.set_defaults(handler=cmd_team_add_member)
    p = tsub.add_parser("remove-member", help="take a member off the team", parents=[common])
    p.add_argument("team")
    p.add_argument("user")
    p.set_defaults(handler=cmd_team_remove_member)
    p = tsub.add_parser("add-project", help="add a project the team covers", parents=[common])
    p.add_argument("team")
    p.add_argument("slug")
    p.add_argument("--name", required=True)
    p.add_argument("--repository-url", default="")
    p.add_argument("--cve-vendor", default="")
    p.add_argument("--cve-product", default="")
    p.add_argument("--ecosystem", default="", choices=["", "PyPI"])
    p.add_argument("--package-name", default="")
    p.set_defaults(handler=cmd_team_add_project)

    # user --------------------------------------------------------------------
    user = commands.add_parser("user", help="user accounts")
    usub = user.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = usub.add_parser("create", help="create a user", parents=[common])
    p.add_argument("username")
    p.add_argument("--email", required=True)
    p.add_argument("--name", default="")
    p.add_argument(
        "--password-env",
        action="store_true",
        help="take the password from $VULNDESK_NEW_PASSWORD (never from argv)",
    )
    p.set_defaults(handler=cmd_user_create)

    # demo, serve -------------------------------------------------------------
    p = commands.add_parser(
        "demo", help="load the demo team (once) and print its logins", parents=[common]
    )
    p.add_argument("--force", action="store_true", help="even in production")
    p.set_defaults(handler=cmd_demo)
    p = commands.add_parser(
        "demo-totp",
        help="print each demo team member's current TOTP code (development only)",
        parents=[common],
    )
    p.set_defaults(handler=cmd_demo_totp)
    p = commands.add_parser("serve", help="serve the web desk")
    p.add_argument("--addr", default="127.0.0.1:8000")
    p.add_argument("--workers", type=int, default=3, help="gunicorn workers (production)")
    p.set_defaults(handler=cmd_serve)

    for plugin in _plugins():
        plugin.register(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and not argv[0].startswith("-") and argv[0] not in OWN_COMMANDS:
        _setup_django()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["vulndesk", *argv])
        return 0
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    _setup_django()
    from vulndesk.core.errors import ApplicationError

    want_json = getattr(args, "json", False)
    try:
        result = args.handler(args)
    except ApplicationError as exc:
        if want_json:
            print(json.dumps({"error": {"code": exc.code, "message": exc.message}}))
        print(f"vulndesk: {exc.message}", file=sys.stderr)
        return EXIT_REFUSED
    if result is None:
        return 0
    if want_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    elif isinstance(result, dict) and "key" in result and "state" in result:
        _print_report(result)
    else:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0

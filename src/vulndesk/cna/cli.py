"""`vulndesk cve …`: the team's CVE ID pool and CVE Services (see vulndesk.cli).

Each handler parses, calls one service and returns plain data (printed as JSON);
refusals raise ApplicationError, which the main CLI turns into exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

# The top-level command names this module adds; the CLI routes them here, not to Django.
COMMANDS: frozenset[str] = frozenset({"cve"})


def _actor(args: argparse.Namespace) -> Any:
    from vulndesk.cli import _actor as actor

    return actor(args)


def _team(slug: str) -> Any:
    from vulndesk.cli import _team as team

    return team(slug)


def _report(args: argparse.Namespace, actor: Any) -> Any:
    from vulndesk.reports.selectors import report_get

    return report_get(args.key, user=actor)


def _row(row: Any) -> dict[str, Any]:
    return {
        "cve_id": row.cve_id,
        "state": row.state,
        "source": row.source,
        "report": row.report.key if row.report_id else None,
        "reserved_at": row.reserved_at.isoformat(),
    }


def _request(request: Any) -> dict[str, Any]:
    return {
        "request": request.pk,
        "cve_id": request.cve.cve_id,
        "kind": request.kind,
        "state": request.state,
        "attempts": request.attempts,
        "error": request.last_error or None,
        "next_attempt_at": request.next_attempt_at.isoformat()
        if request.state == "retry"
        else None,
    }


def cmd_reserve(args: argparse.Namespace) -> Any:
    from vulndesk.cna.services import cve_reserve

    sequential = {"sequential": True, "non-sequential": False}.get(args.batch or "")
    rows = cve_reserve(
        _team(args.team),
        actor=_actor(args),
        amount=args.amount,
        year=args.year,
        sequential=sequential,
    )
    return {"reserved": [r.cve_id for r in rows]}


def cmd_load(args: argparse.Namespace) -> Any:
    from vulndesk.cna.services import cve_pool_load

    ids = list(args.ids)
    if args.file:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
        ids += [word for word in text.replace(",", " ").split() if word]
    result = cve_pool_load(_team(args.team), actor=_actor(args), cve_ids=ids)
    return {"added": result.added, "skipped": result.skipped}


def cmd_list(args: argparse.Namespace) -> Any:
    from vulndesk.cna.services import cve_pool_list, pool_counts

    team = _team(args.team)
    rows = cve_pool_list(team, actor=_actor(args), state=args.state or "")
    return {"pool": pool_counts(team), "ids": [_row(r) for r in rows]}


def cmd_quota(args: argparse.Namespace) -> Any:
    from vulndesk.cna.services import cve_quota

    return cve_quota(_team(args.team), actor=_actor(args))


def cmd_follow(args: argparse.Namespace) -> Any:
    from vulndesk.cna.services import cve_pool_follow

    return cve_pool_follow(_team(args.team), actor=_actor(args))


def cmd_policy(args: argparse.Namespace) -> Any:
    from vulndesk.accounts.permissions import require_team_member
    from vulndesk.cna.services import POLICY_FIELDS, cna_policy_set, cna_settings_get

    team = _team(args.team)
    actor = _actor(args)
    changes = {name: getattr(args, name) for name in POLICY_FIELDS}
    if any(value is not None for value in changes.values()):
        policy = cna_policy_set(team, actor=actor, **changes)
    else:
        require_team_member(actor, team)
        policy = cna_settings_get(team)
    return {"team": team.slug, **{name: getattr(policy, name) for name in POLICY_FIELDS}}


def cmd_assign(args: argparse.Namespace) -> Any:
    from vulndesk.cna.services import cve_assign

    actor = _actor(args)
    report = cve_assign(_report(args, actor), actor=actor, cve_id=args.cve or "")
    report.refresh_from_db()
    return {"key": report.key, "cve_id": report.cve_id, "state": report.state}


def cmd_release(args: argparse.Namespace) -> Any:
    from vulndesk.cna.services import cve_release

    actor = _actor(args)
    report = _report(args, actor)
    released = report.cve_id
    cve_release(report, actor=actor, note=args.note)
    return {"key": report.key, "released": released}


def cmd_reject(args: argparse.Namespace) -> Any:
    from vulndesk.cna.services import cve_reject

    actor = _actor(args)
    return _request(cve_reject(_report(args, actor), actor=actor, reason=args.reason))


def cmd_publish(args: argparse.Namespace) -> Any:
    from vulndesk.cna.services import cve_publish_record

    actor = _actor(args)
    return _request(cve_publish_record(_report(args, actor), actor=actor))


def cmd_requests(args: argparse.Namespace) -> Any:
    from vulndesk.cna.services import cve_requests_pending

    actor = _actor(args)
    return [_request(r) for r in cve_requests_pending(_team(args.team), actor=actor)]


def cmd_retry(args: argparse.Namespace) -> Any:
    from vulndesk.cna.models import CveRequest
    from vulndesk.cna.services import cve_request_retry
    from vulndesk.core.errors import NotFound

    actor = _actor(args)
    request = CveRequest.objects.select_related("team", "cve").filter(pk=args.request).first()
    if request is None:
        raise NotFound(f"There is no CVE Services request {args.request}.")
    return _request(cve_request_retry(request, actor=actor))


def cmd_run(args: argparse.Namespace) -> Any:
    from vulndesk.cna.services import cve_requests_run

    return [_request(r) for r in cve_requests_run()]


def _bool(text: str) -> bool:
    if text.lower() in {"1", "true", "yes", "on"}:
        return True
    if text.lower() in {"0", "false", "no", "off"}:
        return False
    raise argparse.ArgumentTypeError(f"expected yes or no, not {text!r}")


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add this app's command groups to the `vulndesk` parser."""
    cve = commands.add_parser("cve", help="CVE IDs: the team's pool and CVE Services")
    sub = cve.add_subparsers(dest="action", metavar="ACTION", required=True)

    def cmd(name: str, help_text: str, handler: Any, *, team: bool = True) -> Any:
        p = sub.add_parser(name, help=help_text, parents=[common], description=help_text)
        if team:
            p.add_argument("--team", required=True, help="team slug")
        p.set_defaults(handler=handler)
        return p

    p = cmd("reserve", "reserve new IDs at CVE Services into the pool (quota checked)", cmd_reserve)
    p.add_argument("--amount", type=int, default=1, help="how many (1-100)")
    p.add_argument("--year", type=int, help="the IDs' year (default: this year)")
    p.add_argument(
        "--batch",
        choices=["sequential", "non-sequential"],
        help="for several IDs (default: the team's policy)",
    )

    p = cmd("load", "add IDs reserved elsewhere to the pool (admins)", cmd_load)
    p.add_argument("ids", nargs="*", metavar="CVE-ID")
    p.add_argument("--file", metavar="PATH", help="read IDs from a file (- for stdin)")

    p = cmd("list", "the pool: every ID, its state and report", cmd_list)
    p.add_argument("--state", choices=["available", "assigned", "published", "rejected"])

    cmd("quota", "the CNA's quota at CVE Services and the pool's counts", cmd_quota)
    cmd("follow", "sync the pool with CVE Services, then top it up per the policy", cmd_follow)

    p = cmd("policy", "show or change the team's CNA policy (changes: admins)", cmd_policy)
    p.add_argument("--auto-assign", dest="auto_assign", type=_bool, metavar="yes|no")
    p.add_argument("--on-withdraw", dest="on_withdraw", choices=["release", "reject", "keep"])
    p.add_argument("--require-pool", dest="require_pool", type=_bool, metavar="yes|no")
    p.add_argument("--publish-records", dest="publish_records", type=_bool, metavar="yes|no")
    p.add_argument("--pool-min", dest="pool_min", type=int)
    p.add_argument("--pool-target", dest="pool_target", type=int)
    p.add_argument("--sequential", type=_bool, metavar="yes|no")

    p = cmd(
        "assign", "give a report an ID: the one named, or the pool's next", cmd_assign, team=False
    )
    p.add_argument("key", metavar="KEY")
    p.add_argument("--cve", metavar="CVE-ID")

    p = cmd("release", "give a report's ID back to the pool", cmd_release, team=False)
    p.add_argument("key", metavar="KEY")
    p.add_argument("--note", default="")

    p = cmd("reject", "reject a report's ID at CVE Services (admins)", cmd_reject, team=False)
    p.add_argument("key", metavar="KEY")
    p.add_argument("--reason", required=True)

    p = cmd(
        "publish", "create or update the CVE record of a published report", cmd_publish, team=False
    )
    p.add_argument("key", metavar="KEY")

    cmd("requests", "CVE Services requests not done yet (with their errors)", cmd_requests)
    p = cmd("retry", "send a failed CVE Services request again now", cmd_retry, team=False)
    p.add_argument("request", type=int, metavar="ID")
    cmd("run", "send the CVE Services requests that are due (the worker)", cmd_run, team=False)

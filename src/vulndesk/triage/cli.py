"""`vulndesk triage …`, `vulndesk reminders run` and `vulndesk metrics` (see vulndesk.cli).

Each handler parses, calls one service or selector and returns plain data (printed as
JSON); refusals raise ApplicationError, which the main CLI turns into exit status 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

# The top-level command names this module adds; the CLI routes them here, not to Django.
COMMANDS: frozenset[str] = frozenset({"triage", "reminders", "metrics"})


def _actor(args: argparse.Namespace) -> Any:
    from vulndesk.cli import _actor as actor

    return actor(args)


def _team(slug: str) -> Any:
    from vulndesk.cli import _team as team

    return team(slug)


def _report(args: argparse.Namespace, actor: Any) -> Any:
    from vulndesk.reports.selectors import report_get

    return report_get(args.key, user=actor)


def cmd_inbox(args: argparse.Namespace) -> Any:
    from vulndesk.triage.selectors import triage_inbox

    return [row.as_dict() for row in triage_inbox(_team(args.team), user=_actor(args))]


def cmd_assess(args: argparse.Namespace) -> Any:
    from vulndesk.reports import permissions as perms
    from vulndesk.triage.assessment import assess

    actor = _actor(args)
    report = _report(args, actor)
    perms.require_team_member(actor, report)
    return {"key": report.key, **assess(report).as_dict()}


def cmd_duplicates(args: argparse.Namespace) -> Any:
    from vulndesk.reports import permissions as perms
    from vulndesk.triage.duplicates import similar_reports

    actor = _actor(args)
    report = _report(args, actor)
    perms.require_team_member(actor, report)
    return [m.as_dict() for m in similar_reports(report, limit=args.limit)]


def cmd_outcome(args: argparse.Namespace) -> Any:
    from vulndesk.triage.services import triage_outcome

    actor = _actor(args)
    report = triage_outcome(
        _report(args, actor),
        actor=actor,
        outcome=args.outcome,
        note=args.note,
        duplicate_of=args.of or "",
        where=args.where or "",
    )
    return {"key": report.key, "state": report.state, "close_reason": report.close_reason}


def cmd_flag(args: argparse.Namespace) -> Any:
    from vulndesk.triage.services import reporter_flag, reporter_unflag

    actor, team = _actor(args), _team(args.team)
    if args.remove:
        reporter_unflag(team, actor=actor, email=args.email)
        return {"email": args.email, "flagged": False}
    flag = reporter_flag(team, actor=actor, email=args.email, reason=args.reason or "")
    return {"email": flag.reporter.email, "flagged": True, "reason": flag.reason}


def cmd_policy(args: argparse.Namespace) -> Any:
    from vulndesk.triage.services import POLICY_DAYS, policy_for, policy_set

    team = _team(args.team)
    days = {name: getattr(args, name) for name in POLICY_DAYS}
    if any(v is not None for v in days.values()) or args.time_zone:
        policy = policy_set(team, actor=_actor(args), time_zone=args.time_zone or "", **days)
    else:
        from vulndesk.accounts.permissions import require_team_member

        require_team_member(_actor(args), team)
        policy = policy_for(team)
    return {
        "team": team.slug,
        "time_zone": policy.time_zone,
        **{name: getattr(policy, name) for name in POLICY_DAYS},
    }


def cmd_deadlines(args: argparse.Namespace) -> Any:
    from vulndesk.triage.selectors import open_deadlines

    return open_deadlines(_team(args.team), user=_actor(args))


def cmd_rota(args: argparse.Namespace) -> Any:
    from vulndesk.accounts.services import user_find
    from vulndesk.core.errors import ValidationFailed
    from vulndesk.triage.models import RotaMember
    from vulndesk.triage.services import rota_remove, rota_set

    actor, team = _actor(args), _team(args.team)
    if args.rota_action == "remove":
        rota_remove(team, actor=actor, user=user_find(args.user))
    elif args.rota_action == "set":
        away = None
        if args.away_until:
            try:
                away = dt.datetime.fromisoformat(args.away_until)
            except ValueError as exc:
                raise ValidationFailed(f"--away-until {args.away_until!r} is not a date.") from exc
            if away.tzinfo is None:
                away = away.replace(tzinfo=dt.UTC)
        rota_set(
            team,
            actor=actor,
            user=user_find(args.user),
            position=args.position,
            excluded={"exclude": True, "include": False}.get(args.mode or ""),
            away_until=away,
            back=args.back,
        )
    else:
        from vulndesk.accounts.permissions import require_team_member

        require_team_member(actor, team)
    return [
        {
            "user": e.user.username,
            "position": e.position,
            "excluded": e.excluded,
            "away_until": e.away_until.isoformat() if e.away_until else None,
        }
        for e in RotaMember.objects.filter(team=team).select_related("user")
    ]


def cmd_load_index(args: argparse.Namespace) -> Any:
    from vulndesk.core.errors import NotFound
    from vulndesk.triage.services import api_index_load

    team = _team(args.team)
    project = team.projects.filter(slug=args.project).first()
    if project is None:
        raise NotFound(f"{team.name} has no project {args.project!r}.")
    text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    index = api_index_load(project, actor=_actor(args), names=text.splitlines())
    return {"project": project.slug, "names": len(index.names)}


def cmd_reminders_run(args: argparse.Namespace) -> Any:
    from vulndesk.triage.deadlines import reminders_run

    return reminders_run(team=_team(args.team) if args.team else None)


def cmd_digest(args: argparse.Namespace) -> Any:
    from vulndesk.triage.digest import digests_send

    results = digests_send(
        period=args.period,
        team=_team(args.team) if args.team else None,
        stale_days=args.stale_days,
        preview=args.preview,
    )
    if args.preview and not args.json:
        for result in results:
            for message in result["messages"]:
                sys.stdout.write(
                    f"To: {message['to']}\nSubject: {message['subject']}\n\n{message['body']}\n"
                )
        return None
    return results


def cmd_metrics(args: argparse.Namespace) -> Any:
    from vulndesk.accounts.permissions import require_team_member
    from vulndesk.triage.metrics import metrics_csv, team_metrics

    team = _team(args.team)
    require_team_member(_actor(args), team)
    data = team_metrics(team, year=args.year)
    if args.csv:
        sys.stdout.write(metrics_csv(data))
        return None
    return data


def register(  # noqa: PLR0915 - the parser is one long table
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add this app's command groups to the `vulndesk` parser."""
    triage = commands.add_parser("triage", help="triage advice, outcomes, flags, policy, rota")
    sub = triage.add_subparsers(dest="action", metavar="ACTION", required=True)

    def add(name: str, help_: str, handler: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, parents=[common])
        p.set_defaults(handler=handler)
        return p

    p = add("inbox", "new reports ranked: likely junk and wrong project first", cmd_inbox)
    p.add_argument("team")
    p = add("assess", "readiness checklist and junk signals of one report", cmd_assess)
    p.add_argument("key")
    p = add(
        "duplicates", "the most similar reports and advisories, with shared terms", cmd_duplicates
    )
    p.add_argument("key")
    p.add_argument("--limit", type=int, default=5)
    p = add(
        "outcome",
        "one-click outcome: plausible, spam, misdirected, invalid, duplicate",
        cmd_outcome,
    )
    p.add_argument("key")
    p.add_argument("outcome", choices=["plausible", "spam", "misdirected", "invalid", "duplicate"])
    p.add_argument("--of", metavar="KEY", help="the original, for duplicate")
    p.add_argument("--where", help="where to report instead, for misdirected")
    p.add_argument("--note", default="")
    p = add("flag", "flag (or --remove the flag of) a sender", cmd_flag)
    p.add_argument("team")
    p.add_argument("email")
    p.add_argument("--reason")
    p.add_argument("--remove", action="store_true")
    p = add("policy", "show or set the team's deadlines (days from arrival)", cmd_policy)
    p.add_argument("team")
    for name in (
        "acknowledge",
        "triage",
        "decision",
        "fix",
        "publish",
        "remind-before",
        "rota-after",
    ):
        p.add_argument(f"--{name}-days", type=int, dest=f"{name.replace('-', '_')}_days")
    p.add_argument("--time-zone")
    p = add("deadlines", "open reports with their next deadline and countdown", cmd_deadlines)
    p.add_argument("team")
    p = add("rota", "show or change the on-call rota", cmd_rota)
    p.add_argument("team")
    p.add_argument("rota_action", nargs="?", choices=["show", "set", "remove"], default="show")
    p.add_argument("user", nargs="?")
    p.add_argument("--position", type=int)
    p.add_argument("--mode", choices=["exclude", "include"])
    p.add_argument("--away-until", metavar="DATE")
    p.add_argument("--back", action="store_true", help="clear the absence")
    p = add(
        "load-index",
        "load a project's public API names (one per line; - for stdin)",
        cmd_load_index,
    )
    p.add_argument("team")
    p.add_argument("project")
    p.add_argument("file")

    reminders = commands.add_parser("reminders", help="deadline reminders and the rota")
    rsub = reminders.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = rsub.add_parser(
        "run", help="assign idle reports by rota, send due reminders (once)", parents=[common]
    )
    p.add_argument("--team")
    p.set_defaults(handler=cmd_reminders_run)
    p = rsub.add_parser(
        "digest",
        help="mail each team member the digest: awaiting triage, overdue, stale, their own",
        parents=[common],
    )
    p.add_argument("--team", help="only this team (default: every team)")
    p.add_argument("--period", choices=["daily", "weekly"], default="daily")
    p.add_argument(
        "--stale-days", type=int, default=0, help="idle this long counts as stale (default 14)"
    )
    p.add_argument("--preview", action="store_true", help="print the mails, queue nothing")
    p.set_defaults(handler=cmd_digest)

    p = commands.add_parser("metrics", help="the team's metrics (JSON, or --csv)", parents=[common])
    p.add_argument("team")
    p.add_argument("--csv", action="store_true")
    p.add_argument("--year", type=int, help="the member-activity year (default: this year)")
    p.set_defaults(handler=cmd_metrics)

"""`vulndesk publication …`: the publication steps, revisions, embargoes and the public
site's settings (see vulndesk.cli.PLUGIN_MODULES)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

# The top-level command names this module adds; the CLI routes them here, not to Django.
COMMANDS: frozenset[str] = frozenset({"publication"})


def _actor(args: argparse.Namespace) -> Any:
    from vulndesk.cli import _actor as cli_actor

    return cli_actor(args)


def _report(args: argparse.Namespace, actor: Any) -> Any:
    from vulndesk.reports.selectors import report_get

    return report_get(args.key, user=actor)


def _steps(report: Any) -> dict[str, Any]:
    from vulndesk.public.models import Embargo
    from vulndesk.public.publication import publication_status

    embargo = Embargo.objects.filter(report=report).first()
    return {
        "report": report.key,
        "state": report.state,
        "embargo": embargo.display() if embargo else None,
        "steps": [
            {
                "name": s.name,
                "order": s.order,
                "status": s.status,
                "attempts": s.attempts,
                "revision": s.revision,
                "error": s.last_error,
                "result": s.result,
            }
            for s in publication_status(report)
        ],
    }


def _require_member(actor: Any, report: Any) -> None:
    from vulndesk.reports import permissions as perms

    perms.require_team_member(actor, report)


def cmd_status(args: argparse.Namespace) -> Any:
    actor = _actor(args)
    report = _report(args, actor)
    _require_member(actor, report)
    return _steps(report)


def cmd_run(args: argparse.Namespace) -> Any:
    from vulndesk.public.publication import publication_run, publication_run_pending

    actor = _actor(args)
    if args.key:
        report = _report(args, actor)
        _require_member(actor, report)
        publication_run(report, actor=actor)
        return _steps(report)
    if not actor.is_superuser:
        from vulndesk.core.errors import PermissionDenied

        raise PermissionDenied("Retrying every team's publications needs a superuser; name a KEY.")
    done = publication_run_pending(actor=actor)
    return {key: [f"{s.name}: {s.status}" for s in steps] for key, steps in done.items()}


def cmd_revise(args: argparse.Namespace) -> Any:
    from vulndesk.public.publication import publication_run
    from vulndesk.public.services import advisory_revise

    actor = _actor(args)
    report = _report(args, actor)
    advisory_revise(report, actor=actor, change_note=args.note, announce=args.announce)
    publication_run(report, actor=actor)
    return _steps(report)


def cmd_embargo(args: argparse.Namespace) -> Any:
    from vulndesk.core.errors import ValidationFailed
    from vulndesk.public.services import embargo_set

    actor = _actor(args)
    report = _report(args, actor)
    until = None
    if not args.lift:
        if not args.until:
            raise ValidationFailed("Give --until 'YYYY-MM-DD HH:MM' (or --lift).")
        try:
            until = dt.datetime.fromisoformat(args.until)
        except ValueError as exc:
            raise ValidationFailed(
                f"{args.until!r} is not a date and time (YYYY-MM-DD HH:MM)."
            ) from exc
    embargo_set(report, actor=actor, until=until, timezone=args.tz)
    return _steps(report)


def cmd_settings(args: argparse.Namespace) -> Any:
    from vulndesk.accounts.models import Team
    from vulndesk.core.errors import NotFound
    from vulndesk.public.services import public_settings_get, public_settings_update

    actor = _actor(args)
    team = Team.objects.filter(slug=args.team).first()
    if team is None:
        raise NotFound(f"There is no team {args.team!r}.")
    fields: dict[str, Any] = {}
    for name in ("encryption", "policy", "acknowledgments", "preferred_languages", "base_url"):
        value = getattr(args, name)
        if value is not None:
            fields[name] = value
    if args.contact:
        fields["contact"] = args.contact
    if args.expires_days is not None:
        fields["expires_days"] = args.expires_days
    if args.default_site:
        fields["default_site"] = True
    row = public_settings_update(team, actor=actor, **fields) if fields else None
    row = row or public_settings_get(team)
    return {
        "team": team.slug,
        "contact": row.contact,
        "encryption": row.encryption,
        "policy": row.policy,
        "acknowledgments": row.acknowledgments,
        "preferred_languages": row.preferred_languages,
        "expires_days": row.expires_days,
        "base_url": row.base_url,
        "default_site": row.default_site,
    }


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add this app's command groups to the `vulndesk` parser."""
    group = commands.add_parser(
        "publication", help="publication steps, revisions, embargoes, public site settings"
    )
    sub = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("status", help="the report's publication steps", parents=[common])
    p.add_argument("key", metavar="KEY")
    p.set_defaults(handler=cmd_status)
    p = sub.add_parser(
        "run", help="run (retry) the steps not done; without KEY: every report", parents=[common]
    )
    p.add_argument("key", metavar="KEY", nargs="?", default="")
    p.set_defaults(handler=cmd_run)
    p = sub.add_parser(
        "revise", help="publish a revision of a published advisory", parents=[common]
    )
    p.add_argument("key", metavar="KEY")
    p.add_argument("--note", required=True, help="what changed (shown on the public page)")
    p.add_argument("--announce", action="store_true", help="send an update announcement")
    p.set_defaults(handler=cmd_revise)
    p = sub.add_parser("embargo", help="set or lift the report's embargo", parents=[common])
    p.add_argument("key", metavar="KEY")
    p.add_argument("--until", help="'YYYY-MM-DD HH:MM' in --tz")
    p.add_argument("--tz", default="UTC", help="time zone, e.g. Europe/Berlin (default UTC)")
    p.add_argument("--lift", action="store_true")
    p.set_defaults(handler=cmd_embargo)
    p = sub.add_parser(
        "settings", help="what security.txt and the public site say", parents=[common]
    )
    p.add_argument("team", metavar="TEAM")
    p.add_argument("--contact", action="append", default=[], help="mailto:/https: URI, repeat")
    p.add_argument("--encryption")
    p.add_argument("--policy")
    p.add_argument("--acknowledgments")
    p.add_argument("--preferred-languages")
    p.add_argument("--base-url")
    p.add_argument("--expires-days", type=int)
    p.add_argument("--default-site", action="store_true", help="serve its security.txt")
    p.set_defaults(handler=cmd_settings)

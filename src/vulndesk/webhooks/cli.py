"""`vulndesk webhooks deliver|create|list`: the delivery worker and subscriptions."""

from __future__ import annotations

import argparse
import time
from typing import Any

# The top-level command names this module adds; the CLI routes them here, not to Django.
COMMANDS: frozenset[str] = frozenset({"webhooks"})


def cmd_deliver(args: argparse.Namespace) -> Any:
    from vulndesk.webhooks.services import deliver_due

    total = {"delivered": 0, "retrying": 0, "failed": 0}
    while True:
        result = deliver_due(limit=args.limit).as_dict()
        for name, count in result.items():
            total[name] += count
        if not args.loop:
            return total
        time.sleep(args.interval)  # pragma: no cover - the long-running worker


def cmd_create(args: argparse.Namespace) -> Any:
    from vulndesk.cli import _actor, _team
    from vulndesk.webhooks.api import _hook
    from vulndesk.webhooks.services import webhook_create

    hook, secret = webhook_create(
        _team(args.team),
        actor=_actor(args),
        url=args.url,
        events=args.event,
        private=args.private,
    )
    return _hook(hook) | {"secret": secret}


def cmd_list(args: argparse.Namespace) -> Any:
    from vulndesk.accounts.permissions import require_team_admin
    from vulndesk.cli import _actor, _team
    from vulndesk.webhooks.api import _delivery, _hook
    from vulndesk.webhooks.models import Webhook

    team = _team(args.team)
    require_team_admin(_actor(args), team)
    return [
        _hook(h) | {"deliveries": [_delivery(d) for d in h.deliveries.order_by("-created_at")[:10]]}
        for h in Webhook.objects.filter(team=team)
    ]


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add this app's command groups to the `vulndesk` parser."""
    hooks = commands.add_parser("webhooks", help="outgoing webhooks and their delivery worker")
    sub = hooks.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser(
        "deliver",
        help="post due webhook deliveries (once, or --loop as the worker)",
        parents=[common],
    )
    p.add_argument("--loop", action="store_true", help="keep running, polling the outbox")
    p.add_argument("--interval", type=float, default=5.0, help="seconds between polls")
    p.add_argument("--limit", type=int, default=100, help="deliveries per poll")
    p.set_defaults(handler=cmd_deliver)
    p = sub.add_parser("create", help="subscribe a URL (prints the secret once)", parents=[common])
    p.add_argument("team", help="team slug")
    p.add_argument("url")
    p.add_argument(
        "--event",
        action="append",
        required=True,
        choices=[
            "report.created",
            "report.state_changed",
            "report.updated",
            "comment.added",
            "report.published",
        ],
    )
    p.add_argument("--private", action="store_true", help="send internal details too")
    p.set_defaults(handler=cmd_create)
    p = sub.add_parser("list", help="a team's webhooks and latest deliveries", parents=[common])
    p.add_argument("team", help="team slug")
    p.set_defaults(handler=cmd_list)

"""`vulndesk token create|list|revoke`: personal API tokens (see vulndesk.cli.PLUGIN_MODULES)."""

from __future__ import annotations

import argparse
from typing import Any

# The top-level command names this module adds; the CLI routes them here, not to Django.
COMMANDS: frozenset[str] = frozenset({"token"})


def _actor(args: argparse.Namespace) -> Any:
    from vulndesk.cli import _actor as cli_actor

    return cli_actor(args)


def _token_dict(token: Any) -> dict[str, Any]:
    from vulndesk.api.routes_teams import token_dict

    data = token_dict(token)
    data["revoked_at"] = token.revoked_at.isoformat() if token.revoked_at else None
    return data


def cmd_token_create(args: argparse.Namespace) -> Any:
    from vulndesk.api.services import token_create
    from vulndesk.cli import _team

    user = _actor(args)
    token, secret = token_create(
        user=user,
        name=args.name,
        scopes=args.scope or ["read"],
        team=_team(args.team) if args.team else None,
        expires_in_days=None if args.never_expires else args.expires_days,
    )
    data = _token_dict(token)
    data["token"] = secret
    if args.json:
        return data
    print(f"Token {token.prefix} ({', '.join(token.scopes)}) for {user.username}:")
    print(f"  {secret}")
    print("It is shown only now: store it in a secret store. Send it as")
    print("  Authorization: Bearer <token>")
    return None


def cmd_token_list(args: argparse.Namespace) -> Any:
    from vulndesk.api.services import token_list

    rows = [_token_dict(t) for t in token_list(user=_actor(args))]
    if args.json:
        return rows
    for row in rows:
        status = "revoked" if row["revoked_at"] else f"expires {row['expires_at'] or 'never'}"
        print(
            f"{row['prefix']}  {row['name']:<24} {','.join(row['scopes']):<14} "
            f"team={row['team'] or '*'}  last used {row['last_used_at'] or 'never'}  {status}"
        )
    return None


def cmd_token_revoke(args: argparse.Namespace) -> Any:
    from vulndesk.api.services import token_find, token_revoke

    user = _actor(args)
    token = token_revoke(token_find(args.token, user=user), actor=user)
    return _token_dict(token)


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add this app's command groups to the `vulndesk` parser."""
    token = commands.add_parser("token", help="personal API tokens")
    sub = token.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser(
        "create",
        help="create a token (its secret is shown once)",
        parents=[common],
        description="Create a personal API token for --as USER; the secret is printed once.",
    )
    p.add_argument("--name", required=True, help="what the token is for")
    p.add_argument(
        "--scope",
        action="append",
        choices=["read", "act", "admin"],
        help="read (default), act (workflow actions), admin (team admin); repeatable",
    )
    p.add_argument("--team", help="limit the token to this team's reports (team slug)")
    p.add_argument("--expires-days", type=int, default=90, help="default 90")
    p.add_argument("--never-expires", action="store_true")
    p.set_defaults(handler=cmd_token_create)
    p = sub.add_parser("list", help="your tokens, with last use", parents=[common])
    p.set_defaults(handler=cmd_token_list)
    p = sub.add_parser("revoke", help="revoke a token (by prefix or id)", parents=[common])
    p.add_argument("token", metavar="PREFIX")
    p.set_defaults(handler=cmd_token_revoke)

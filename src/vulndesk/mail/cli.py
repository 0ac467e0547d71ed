"""`vulndesk mail …` and `vulndesk worker` (see vulndesk.cli.PLUGIN_MODULES)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Any

# The top-level command names this module adds; the CLI routes them here, not to Django.
COMMANDS: frozenset[str] = frozenset({"mail", "worker"})

EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the message and retries


def _team(slug: str | None) -> Any:
    if not slug:
        return None
    from vulndesk.cli import _team as find_team

    return find_team(slug)


def cmd_ingest(args: argparse.Namespace) -> Any:
    """Read one message on stdin. Exit 0 once it is stored, 75 when it could not be."""
    import logging

    try:
        data = sys.stdin.buffer.read()
        from vulndesk.mail.ingest import ingest_bytes, ingest_summary

        raw = ingest_bytes(
            data, source="stdin", envelope_to=args.recipient or [], team=_team(args.team)
        )
        result = ingest_summary(raw)
    except Exception as exc:
        logging.getLogger("vulndesk.mail").debug("mail ingest failed", exc_info=True)
        print(f"vulndesk: the message could not be stored, retry later: {exc}", file=sys.stderr)
        sys.exit(EX_TEMPFAIL)
    if args.json:
        return result
    print(f"{result['status']} {result['kind'] or '-'} {result['report'] or '-'} {raw.sha256}")
    return None


def _imap_config(args: argparse.Namespace) -> Any:
    from django.conf import settings

    from vulndesk.core.errors import ValidationFailed
    from vulndesk.mail.imap import ImapConfig

    host = args.host or settings.VULNDESK_IMAP_HOST
    if not host:
        raise ValidationFailed("Say which IMAP server: --host or VULNDESK_IMAP_HOST.")
    return ImapConfig(
        host=host,
        port=args.port or settings.VULNDESK_IMAP_PORT,
        user=args.user or settings.VULNDESK_IMAP_USER,
        password=os.environ.get("VULNDESK_IMAP_PASSWORD", settings.VULNDESK_IMAP_PASSWORD),
        use_ssl=settings.VULNDESK_IMAP_SSL if args.ssl is None else args.ssl,
        mailbox=args.mailbox or settings.VULNDESK_IMAP_MAILBOX,
        done_folder=args.done_folder or settings.VULNDESK_IMAP_DONE_FOLDER,
        cafile=args.cafile,
    )


def cmd_poll(args: argparse.Namespace) -> Any:
    from vulndesk.mail.imap import connect, poll_forever, poll_once

    config = _imap_config(args)
    team = _team(args.team)
    if args.once:
        client = connect(config)
        try:
            count = poll_once(client, config, team=team)
        finally:
            client.logout()
        return {"ingested": count}
    poll_forever(config, team=team, interval=args.interval, idle=args.idle)
    return None


def cmd_serve(args: argparse.Namespace) -> Any:
    import signal
    import threading

    from django.conf import settings

    from vulndesk.mail.listener import start

    addr = args.addr or settings.VULNDESK_MAIL_LISTEN
    host, _, port = addr.rpartition(":")
    controller = start(host or "127.0.0.1", int(port), team=_team(args.team), lmtp=args.lmtp)
    print(f"vulndesk mail: listening ({'LMTP' if args.lmtp else 'SMTP'}) on {addr}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
    return None


def _body(args: argparse.Namespace) -> str | None:
    if args.body_file:
        if args.body_file == "-":
            return sys.stdin.read()
        with open(args.body_file, encoding="utf-8") as handle:
            return handle.read()
    return str(args.body) if args.body is not None else None


def cmd_send(args: argparse.Namespace) -> Any:
    from vulndesk.cli import _actor, _report
    from vulndesk.mail.services import mail_preview, mail_send

    actor = _actor(args)
    report = _report(args, actor)
    if args.preview:
        rendered = mail_preview(report, actor=actor, template=args.template)
        return {"subject": rendered.subject, "body": rendered.body}
    message = mail_send(
        report, actor=actor, template=args.template, subject=args.subject, body=_body(args)
    )
    return {
        "queued": message.message_id,
        "to": message.to,
        "subject": message.subject,
        "status": message.status,
    }


def cmd_draft(args: argparse.Namespace) -> Any:
    from vulndesk.cli import _actor, _detail, _report
    from vulndesk.mail.services import report_draft_on_behalf

    actor = _actor(args)
    report = report_draft_on_behalf(_report(args, actor), actor=actor, note=args.note)
    return _detail(report, actor)


def cmd_template_set(args: argparse.Namespace) -> Any:
    from vulndesk.cli import _actor
    from vulndesk.mail.services import template_reset, template_set

    actor = _actor(args, required=False)
    team = _team(args.team)
    if args.reset:
        return {"reset": template_reset(team, actor=actor, name=args.name)}
    body = _body(args)
    override = template_set(
        team, actor=actor, name=args.name, subject=args.subject or "", body=body or ""
    )
    return {"team": team.slug, "name": override.name, "subject": override.subject}


def cmd_inbox(args: argparse.Namespace) -> Any:
    from vulndesk.cli import _actor
    from vulndesk.mail.selectors import inbox_list

    actor = _actor(args)
    rows = inbox_list(user=actor, team=_team(args.team), problems_only=args.flagged)
    if args.json:
        return rows
    for row in rows:
        flags = "; ".join(f["reason"] for f in row["flags"])
        print(
            f"{row['received_at']}  {row['status']:<9} {row['kind'] or '-':<10} "
            f"{row['report'] or '-':<16} {row['sender']}  {row['subject']}"
        )
        if flags:
            print(f"    {flags}")
    return None


def cmd_key(args: argparse.Namespace) -> Any:
    from vulndesk.cli import _actor
    from vulndesk.mail import pgp

    actor = _actor(args, required=False)
    team = _team(args.team)
    if args.action == "generate":
        key = pgp.team_key_generate(team, actor=actor)
    elif args.action == "import":
        with open(args.file, encoding="utf-8") as handle:
            key = pgp.team_key_import(team, actor=actor, armored=handle.read())
    else:
        key = pgp.team_key_get(team)
        if not args.json:
            print(key.public_key)
            return None
    return {"team": team.slug, "fingerprint": key.fingerprint}


def cmd_reporter_key(args: argparse.Namespace) -> Any:
    from vulndesk.cli import _actor
    from vulndesk.mail import pgp

    actor = _actor(args)
    with open(args.file, encoding="utf-8") as handle:
        key = pgp.reporter_key_set(email=args.email, armored=handle.read(), actor=actor)
    return {"email": key.email, "fingerprint": key.fingerprint}


def cmd_worker(args: argparse.Namespace) -> Any:
    import signal
    import threading

    from vulndesk.mail.outbox import run_forever, run_once

    if args.once:
        return run_once(limit=args.batch)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        run_forever(interval=args.interval, stop=stop, limit=args.batch)
    return None


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add this app's command groups to the `vulndesk` parser."""
    mail = commands.add_parser("mail", help="the security@ mailbox: mail in, templated mail out")
    sub = mail.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = sub.add_parser(
        "ingest",
        parents=[common],
        help="read one message on stdin (for an MTA pipe; exit 0 stored, 75 retry later)",
    )
    p.add_argument("--team", help="team slug (default: from the recipient address)")
    p.add_argument(
        "--recipient", action="append", metavar="ADDR", help="envelope recipient (repeatable)"
    )
    p.set_defaults(handler=cmd_ingest)

    p = sub.add_parser("poll", parents=[common], help="ingest an IMAP mailbox (VULNDESK_IMAP_*)")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--user")
    p.add_argument("--mailbox")
    p.add_argument("--done-folder")
    p.add_argument("--ssl", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--cafile", help="CA certificate file to trust for TLS")
    p.add_argument("--team", help="team slug (default: from the recipient address)")
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    p.add_argument("--idle", action="store_true", help="wait with IMAP IDLE between passes")
    p.add_argument("--interval", type=float, default=60.0, help="seconds between passes")
    p.set_defaults(handler=cmd_poll)

    p = sub.add_parser("serve", parents=[common], help="SMTP/LMTP listener that ingests mail")
    p.add_argument("--addr", help="host:port (default VULNDESK_MAIL_LISTEN)")
    p.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")
    p.add_argument("--team", help="team slug (default: from the recipient address)")
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("send", parents=[common], help="preview or queue a templated mail")
    p.add_argument("key", metavar="KEY", help="report key")
    p.add_argument("--template", required=True, help="use-private-form, reject, accept, …")
    p.add_argument("--preview", action="store_true", help="show the rendered text, queue nothing")
    p.add_argument("--subject", help="the edited subject")
    p.add_argument("--body", help="the edited body")
    p.add_argument("--body-file", metavar="PATH", help="the edited body from a file (- stdin)")
    p.set_defaults(handler=cmd_send)

    p = sub.add_parser(
        "draft", parents=[common], help="take an emailed report in on the reporter's behalf"
    )
    p.add_argument("key", metavar="KEY", help="report key")
    p.add_argument("--note", default="")
    p.set_defaults(handler=cmd_draft)

    p = sub.add_parser("template-set", parents=[common], help="a team's own text for a template")
    p.add_argument("team", help="team slug")
    p.add_argument("name", help="template name")
    p.add_argument("--subject")
    p.add_argument("--body")
    p.add_argument("--body-file", metavar="PATH")
    p.add_argument("--reset", action="store_true", help="back to the shipped text")
    p.set_defaults(handler=cmd_template_set)

    p = sub.add_parser("inbox", parents=[common], help="received mail and its flags (admins)")
    p.add_argument("--team")
    p.add_argument("--flagged", action="store_true", help="only messages with problems")
    p.set_defaults(handler=cmd_inbox)

    p = sub.add_parser("key", parents=[common], help="the team's OpenPGP key")
    p.add_argument("action", choices=["generate", "import", "export"])
    p.add_argument("team", help="team slug")
    p.add_argument("--file", help="armored secret key to import")
    p.set_defaults(handler=cmd_key)

    p = sub.add_parser(
        "reporter-key", parents=[common], help="a reporter's public key (replies get encrypted)"
    )
    p.add_argument("email")
    p.add_argument("file", help="armored public key file")
    p.set_defaults(handler=cmd_reporter_key)

    p = commands.add_parser(
        "worker", parents=[common], help="send queued mail and recover pending ingests"
    )
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    p.add_argument("--interval", type=float, default=2.0, help="seconds to wait when idle")
    p.add_argument("--batch", type=int, default=50)
    p.set_defaults(handler=cmd_worker)

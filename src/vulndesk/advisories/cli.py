"""`vulndesk import|export|advisory`: load history, write records, edit advisory details."""
# ruff: noqa: T201 - a command prints its result, like vulndesk/cli.py

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

COMMANDS: frozenset[str] = frozenset({"import", "export", "advisory"})


def _actor(args: argparse.Namespace) -> Any:
    from vulndesk.cli import _actor as actor

    return actor(args)


def _team(slug: str) -> Any:
    from vulndesk.cli import _team as team

    return team(slug)


def cmd_import(args: argparse.Namespace) -> Any:
    from rich.progress import Progress

    from vulndesk.advisories.importers import Imported, record_files, records_import

    actor = _actor(args)
    team = _team(args.team)
    files = record_files(args.paths)
    quiet = args.json or not sys.stderr.isatty()
    with Progress(disable=quiet, transient=True) as progress:
        task = progress.add_task(f"Importing {args.kind.upper()} records", total=len(files))

        def step(result: Imported) -> None:
            progress.advance(task)
            if not result.ok and not args.json:
                print(f"{result.path}: {result.error}", file=sys.stderr)

        results = records_import(args.kind, files, team=team, actor=actor, progress=step)
    out: dict[str, list[dict[str, Any]]] = {
        "imported": [
            {"path": r.path, "record": r.record_id, "key": r.key, "warnings": r.warnings}
            for r in results
            if r.ok
        ],
        "failed": [{"path": r.path, "error": r.error} for r in results if not r.ok],
    }
    if args.json:
        return out
    print(f"Imported {len(out['imported'])} of {len(results)} {args.kind.upper()} records.")
    for item in out["imported"]:
        print(f"  {item['record']} -> {item['key']}")
        for warning in item["warnings"]:
            print(f"    note: {warning}")
    if out["failed"]:
        print(f"{len(out['failed'])} failed (named above).", file=sys.stderr)
    return None


def cmd_export(args: argparse.Namespace) -> Any:
    from vulndesk.advisories.selectors import (
        published_records,
        record_filename,
        record_for,
        report_for_export,
    )
    from vulndesk.cli import _actor as find_actor
    from vulndesk.core.errors import ValidationFailed

    actor = find_actor(args, required=False)
    if args.out is None:
        if not args.key:
            raise ValidationFailed("Name a report KEY to print its record, or use --out DIR.")
        print(json.dumps(record_for(args.kind, args.key, user=actor), indent=2, ensure_ascii=False))
        return None
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.key:
        report = report_for_export(args.key, user=actor)
        results: list[tuple[Any, dict[str, Any] | None, str]] = [
            (report, record_for(args.kind, args.key, user=actor), "")
        ]
    else:
        if not args.team:
            raise ValidationFailed("Say which team's published reports to write: --team SLUG.")
        if actor is None:
            raise ValidationFailed("Say who acts: --as USER (a member of the team).")
        results = published_records(args.kind, team=_team(args.team), user=actor)
    written: list[str] = []
    failed: list[dict[str, str]] = []
    for report, record, problem in results:
        if record is None:
            failed.append({"key": report.key, "error": problem})
            if not args.json:
                print(f"{report.key}: {problem}", file=sys.stderr)
            continue
        path = out_dir / record_filename(args.kind, report, record)
        path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(str(path))
    if args.json:
        return {"written": written, "failed": failed}
    print(f"Wrote {len(written)} {args.kind.upper()} record(s) to {out_dir}.")
    if failed:
        print(f"{len(failed)} report(s) have no record yet (named above).", file=sys.stderr)
    return None


def cmd_cvss(args: argparse.Namespace) -> Any:
    from vulndesk.advisories.severity import cvss_parse, severity_from_score

    parsed = cvss_parse(args.vector)
    return {
        "vector": parsed.vector,
        "version": parsed.version,
        "base_score": parsed.base_score,
        "severity": severity_from_score(parsed.base_score),
    }


def cmd_cwe(args: argparse.Namespace) -> Any:
    from vulndesk.advisories.cwe import cwe_get, cwe_search

    words = " ".join(args.words)
    from vulndesk.core.errors import ApplicationError

    try:
        found = [cwe_get(words)]
    except ApplicationError:  # not an id: search the names
        found = cwe_search(words)
    return {"cwes": [{"id": c.id, "label": c.label} for c in found]}


def cmd_branch(args: argparse.Namespace) -> Any:
    from vulndesk.advisories.services import branch_set
    from vulndesk.core.errors import NotFound

    team = _team(args.team)
    project = team.projects.filter(slug=args.project).first()
    if project is None:
        raise NotFound(f"{team.name} has no project {args.project!r}.")
    branch = branch_set(
        project,
        actor=_actor(args),
        name=args.name,
        first_version=args.first_version or "",
        status=args.status or "",
    )
    return {"project": project.slug, "branch": branch.name, "first_version": branch.first_version,
            "status": branch.status}  # fmt: skip


def _report(args: argparse.Namespace, actor: Any) -> Any:
    from vulndesk.reports.selectors import report_get

    return report_get(args.key, user=actor)


def cmd_affected(args: argparse.Namespace) -> Any:
    from vulndesk.advisories.services import advisory_set_affected
    from vulndesk.core.errors import ValidationFailed

    actor = _actor(args)
    fixed: dict[str, str] = {}
    for item in args.fixed or []:
        branch, sep, version = item.partition("=")
        if not sep or not branch or not version:
            raise ValidationFailed(f"--fixed takes BRANCH=VERSION (3.12=3.12.6), not {item!r}.")
        fixed[branch] = version
    report = _report(args, actor)
    rows = advisory_set_affected(report, actor=actor, fixed_in=fixed, introduced=args.introduced)
    report.refresh_from_db()
    return {
        "key": report.key,
        "affected_versions": report.affected_versions,
        "ranges": [{"version": r.version, "lessThan": r.less_than} for r in rows],
    }


def cmd_set_cwe(args: argparse.Namespace) -> Any:
    from vulndesk.advisories.services import advisory_set_cwes

    actor = _actor(args)
    rows = advisory_set_cwes(_report(args, actor), actor=actor, cwes=args.cwes)
    return {"key": args.key, "cwes": [w.description for w in rows]}


def cmd_reference(args: argparse.Namespace) -> Any:
    from vulndesk.advisories.services import advisory_add_reference

    actor = _actor(args)
    ref = advisory_add_reference(
        _report(args, actor), actor=actor, url=args.url, tags=args.tag or [], osv_type=args.osv_type
    )
    return {"key": args.key, "url": ref.url, "tags": ref.tags}


def cmd_credit(args: argparse.Namespace) -> Any:
    from vulndesk.advisories.services import advisory_add_credit

    actor = _actor(args)
    credit = advisory_add_credit(
        _report(args, actor), actor=actor, name=args.name, credit_type=args.type
    )
    return {"key": args.key, "name": credit.name, "type": credit.type}


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add this app's command groups to the `vulndesk` parser."""
    p = commands.add_parser(
        "import",
        parents=[common],
        help="load CVE JSON 5 or OSV records as published reports",
        description="Import records (files or folders); bad files are named, the rest import.",
    )
    p.add_argument("kind", choices=["cve", "osv"])
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--team", required=True, help="team slug")
    p.set_defaults(handler=cmd_import)

    p = commands.add_parser(
        "export",
        parents=[common],
        help="print a report's CVE / OSV / CSAF record, or write them all",
        description="Print the record of KEY; with --out DIR, write one file per published "
        "report of --team (or just KEY's).",
    )
    p.add_argument("kind", choices=["cve", "osv", "csaf"])
    p.add_argument("key", nargs="?", metavar="KEY", default="")
    p.add_argument("--out", metavar="DIR")
    p.add_argument("--team", help="team slug (with --out and no KEY)")
    p.set_defaults(handler=cmd_export)

    adv = commands.add_parser("advisory", help="severity, CWE, affected versions, references")
    sub = adv.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = sub.add_parser("cvss", parents=[common], help="score a CVSS v3.1/v4.0 vector")
    p.add_argument("vector")
    p.set_defaults(handler=cmd_cvss)

    p = sub.add_parser("cwe", parents=[common], help="look up a CWE by id or words")
    p.add_argument("words", nargs="+")
    p.set_defaults(handler=cmd_cwe)

    p = sub.add_parser("branch", parents=[common], help="add or change a release branch")
    p.add_argument("name", help="e.g. 3.12")
    p.add_argument("--team", required=True)
    p.add_argument("--project", required=True, metavar="SLUG")
    p.add_argument("--first-version", help="default NAME.0 (e.g. 3.13.0a1 before 3.13.0)")
    p.add_argument("--status", choices=["supported", "end-of-life"])
    p.set_defaults(handler=cmd_branch)

    p = sub.add_parser("affected", parents=[common], help="set affected versions per branch")
    p.add_argument("key", metavar="KEY")
    p.add_argument("--fixed", action="append", metavar="BRANCH=VERSION")
    p.add_argument("--introduced", default="0", help="first affected version (default 0)")
    p.set_defaults(handler=cmd_affected)

    p = sub.add_parser("set-cwe", parents=[common], help="set the advisory's CWE(s)")
    p.add_argument("key", metavar="KEY")
    p.add_argument("cwes", nargs="+", metavar="CWE")
    p.set_defaults(handler=cmd_set_cwe)

    p = sub.add_parser("reference", parents=[common], help="add a reference")
    p.add_argument("key", metavar="KEY")
    p.add_argument("url")
    p.add_argument("--tag", action="append", help="CVE tag: patch, issue-tracking, …")
    p.add_argument("--osv-type", default="", help="OSV type (default: from the tags)")
    p.set_defaults(handler=cmd_reference)

    p = sub.add_parser("credit", parents=[common], help="credit someone")
    p.add_argument("key", metavar="KEY")
    p.add_argument("name")
    p.add_argument("--type", default="finder")
    p.set_defaults(handler=cmd_credit)

"""A deterministic, demo-like year of work for the screenshots.

The demo of `make run` (loaded on 2026-01-05) plus about forty reports spread over
2026, each walked by the services at known times (a seeded random choice of outcome
and delays), so the metrics have months, medians and per-coordinator load to show.
Pages are then opened with the clock frozen at NOW (``clock.frozen`` is process-wide,
so the live server's thread renders at NOW too), which keeps the pictures the same
from one run to the next.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from vulndesk.accounts.models import Project, Team, User
from vulndesk.core import clock
from vulndesk.core.demo import demo_load
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report

START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
LABELS = ["security", "release-blocker"]

SUBJECTS = [
    ("zipfile", "Path traversal in zipfile.Path with crafted member names"),
    ("tarfile", "tarfile data filter bypass through hard links"),
    ("email", "Header injection in email.generator with folded lines"),
    ("http.server", "Open redirect in http.server SimpleHTTPRequestHandler"),
    ("urllib.parse", "urlsplit accepts brackets outside IPv6 hosts"),
    ("xml.etree", "Quadratic parse time for nested entities in xml.etree"),
    ("ssl", "ssl.match_hostname accepts wildcards in IDNA labels"),
    ("json", "Deep recursion in json.loads crashes the interpreter"),
    ("shutil", "shutil.rmtree follows junctions on Windows"),
    ("tempfile", "tempfile.mkdtemp permissions are too wide on some platforms"),
    ("base64", "base64.b64decode accepts non-alphabet characters silently"),
    ("ipaddress", "ipaddress.is_private wrong for some IPv4-mapped addresses"),
    ("http.cookies", "Quadratic complexity in http.cookies with backslashes"),
    ("venv", "venv activation scripts do not quote the path"),
    ("plistlib", "Memory exhaustion in plistlib with a crafted size field"),
    ("gzip", "gzip header parsing reads past the end with FEXTRA"),
    ("socket", "socket.getaddrinfo crash on embedded NUL in host"),
    ("configparser", "configparser interpolation recursion exhausts memory"),
    ("pip", "pip follows redirects to plain HTTP indexes"),
    ("pip", "pip wheel cache poisoning through a shared directory"),
]
JUNK = [
    "URGENT: critical vulnerability in python.org (bounty request)",
    "os.system_unsafe() allows remote code execution",
    "Security issue in requests-oauthlib token refresh",
    "AI scan found 120 CVEs in CPython",
]


def build() -> dict[str, Any]:
    """Load the dataset; return the people and a few reports the tests open."""
    with clock.frozen(START):
        demo_load()
    team = Team.objects.get(slug="psrt")
    people = {u.username: u for u in User.objects.filter(username__in=_usernames())}
    projects = {p.slug: p for p in Project.objects.filter(team=team)}
    rng = random.Random(2026)
    coordinators = [people["bob"], people["carol"], people["dave"]]
    cve = iter(range(20001, 20999))
    pr = iter(range(141000, 142000))
    day = 8.0
    made: dict[str, Any] = {"published": [], "open": [], "junk": []}
    n = 0
    while day < (NOW - START).days - 4 and len(made["published"]) + len(made["open"]) < len(
        SUBJECTS
    ):
        n += 1
        at = START + dt.timedelta(days=day, hours=rng.randint(0, 8))
        day += rng.uniform(6, 15)
        roll = rng.random()
        if roll < 0.22:
            made["junk"].append(_junk(team, people, rng, at, JUNK[n % len(JUNK)]))
            continue
        component, title = SUBJECTS[len(made["published"]) + len(made["open"])]
        project = projects["pip"] if component == "pip" else projects["cpython"]
        report = _walk(
            team,
            project,
            people,
            rng,
            at,
            title=title,
            component=component,
            coordinator=coordinators[n % 3],
            outcome="reject" if roll < 0.35 else "accept",
            cve=next(cve),
            pr=next(pr),
        )
        report.refresh_from_db()
        made["published" if report.state == "published" else "open"].append(report)
    return {"team": team, "people": people, **made}


def _usernames() -> list[str]:
    return ["alice", "bob", "carol", "dave", "erin", "rita"]


def _junk(
    team: Team, people: dict[str, User], rng: random.Random, at: dt.datetime, title: str
) -> Report:
    with clock.frozen(at):
        report = rs.report_create(
            team=team,
            reporter_email=f"sender{rng.randint(1, 9)}@junk.example",
            title=title,
            body="We found a critical issue. Please pay the bounty.",
            source="email",
        )
    later = at + dt.timedelta(hours=rng.uniform(2, 40))
    if later < NOW:
        with clock.frozen(later):
            outcome = "misdirected" if "requests" in title else "spam"
            rs.report_triage(report, actor=people["alice"], outcome=outcome)
    return report


def _walk(
    team: Team,
    project: Project,
    people: dict[str, User],
    rng: random.Random,
    at: dt.datetime,
    *,
    title: str,
    component: str,
    coordinator: User,
    outcome: str,
    cve: int,
    pr: int,
) -> Report:
    alice, rita = people["alice"], people["rita"]
    t = at

    def step(days_low: float, days_high: float) -> bool:
        nonlocal t
        t = t + dt.timedelta(days=rng.uniform(days_low, days_high))
        return t < NOW

    with clock.frozen(t):
        report = rs.report_create(
            team=team,
            reporter_email=rita.email,
            reporter_name="Rita Reporter",
            title=title,
            body=f"{component}: steps to reproduce attached.\n\n```python\nimport {component}\n```",
            project=project,
            actor=rita,
        )
    if not step(0.2, 3):
        return report
    with clock.frozen(t):
        rs.report_triage(report, actor=alice, outcome="plausible")
        rs.report_assign(report, actor=alice, coordinator=coordinator)
    if not step(1, 9):
        return report
    with clock.frozen(t):
        if outcome == "reject":
            rs.report_reject(report, actor=coordinator, reason="Works as documented.")
            return report
        severity = rng.choice(["Low", "Medium", "Medium", "High"])
        rs.report_accept(report, actor=coordinator, cve_id=f"CVE-2026-{cve}")
        rs.report_set_severity(report, actor=coordinator, severity=severity)
        private = severity == "High"
        rs.report_set_fix(report, actor=coordinator, approach="private" if private else "public")
        rs.report_tell_reporter(report, actor=coordinator)
        rs.report_set_credit(report, actor=rita, wanted=True, name="Rita Reporter")
        rs.report_set_advisory(
            report,
            actor=coordinator,
            title=title,
            description=f"{title}. Upgrade to a fixed release.",
            affected_versions="3.13.0 and earlier"
            if project.slug == "cpython"
            else "pip 24.2 and earlier",
            affected_components=component,
        )
    if not step(3, 25):
        return report
    url = f"{project.repository_url}/pull/{pr}"
    with clock.frozen(t):
        if private:
            rs.report_approve_private_fix(report, actor=coordinator)
        rs.report_add_pr(report, actor=coordinator, url=url, branch="main", labels=LABELS)
    if not step(1, 12):
        return report
    with clock.frozen(t):
        rs.report_merge_pr(report, actor=coordinator, url=url, commit=f"{pr:040x}")
    if not step(1, 10):
        return report
    with clock.frozen(t):
        rs.report_publish(report, actor=coordinator)
    return report

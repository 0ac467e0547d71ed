"""The desk's inbox and report pages against trivial Django views, in the same run.

A fresh SQLite database holds 100,000 reports of one team (bulk-created, spread over
every state, five years, eight coordinators, two projects; a comment on every other
report; text with a natural word frequency) and one report with 2,000 timeline
entries. A team member logs in through the real login and TOTP forms
(tests.web.login), then the test Client requests, in interleaved rounds, two
baselines behind the same middleware (session, authentication, MFA, CSP):

- the trivial view: ``HttpResponse("ok")``;
- the trivial page: the desk's empty layout (``desk/base.html``: header, team nav);

and each page. Medians and their ratios to both baselines are printed.

Target (issue 3): the inbox at most 3x a trivial view and under 50 ms median on
SQLite: printed against both baselines as met or not. The exit status is a regression
guard (as in bench_mail.py): the inbox's queue pages, a deep page and the htmx part
under 50 ms and at most 4x the trivial page. Searches, a three-filter combination and
the report page are measured for the record. Figures: benchmarks/README.md.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ["VULNDESK_ENV"] = "development"
os.environ["VULNDESK_DEBUG"] = "0"  # no query log: measure what production runs
os.environ["VULNDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="vd-bench-desk-")
os.environ.pop("DATABASE_URL", None)  # a fresh SQLite database of its own
os.environ["DJANGO_SETTINGS_MODULE"] = "vulndesk.settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.shortcuts import render  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import include, path  # noqa: E402

REPORTS = int(os.environ.get("BENCH_DESK_REPORTS", "100000"))
EVENTS = int(os.environ.get("BENCH_DESK_EVENTS", "2000"))
ROUNDS = int(os.environ.get("BENCH_DESK_ROUNDS", "40"))
TARGET_RATIO = 3.0  # the target, reported against both baselines
TARGET_MS = 50.0
# The exit status: a regression guard, not the goal (as bench_mail.py). Held inbox pages
# stay under TARGET_MS and within GUARD_RATIO of the trivial page.
GUARD_RATIO = 4.0

# Text with a natural (Zipf) word frequency: the most frequent word is in nearly every
# report, the 20th in about a quarter of them, the 300th in a few percent.
REAL_WORDS = [
    "the",
    "a",
    "of",
    "to",
    "in",
    "and",
    "is",
    "when",
    "with",
    "buffer",
    "overflow",
    "heap",
    "stack",
    "parser",
    "tarfile",
    "zipfile",
    "path",
    "traversal",
    "symlink",
    "decode",
    "encode",
    "unicode",
    "header",
    "request",
    "response",
    "cookie",
    "session",
    "email",
    "smtp",
    "imap",
    "http",
    "url",
    "regex",
    "denial",
    "service",
    "memory",
    "leak",
    "crash",
    "integer",
    "underflow",
    "format",
    "string",
    "race",
    "condition",
    "temporary",
    "file",
    "permission",
    "socket",
    "ssl",
    "certificate",
    "hostname",
    "verification",
    "pickle",
    "marshal",
    "xml",
    "entity",
    "expansion",
    "json",
    "yaml",
    "subprocess",
    "shell",
    "injection",
    "command",
    "environment",
    "variable",
    "locale",
    "timezone",
    "datetime",
    "codec",
    "module",
    "import",
]
VOCABULARY = REAL_WORDS + [f"w{i:04d}" for i in range(3000)]
COMMON, MIDDLE, RARE = VOCABULARY[20], VOCABULARY[60], VOCABULARY[300]
CUM_WEIGHTS = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(VOCABULARY))))
# (state, weight) of a desk's history: most reports are closed or published.
STATES = [
    ("new", 2),
    ("triage", 3),
    ("accepted", 2),
    ("fixing", 3),
    ("fixed", 1),
    ("published", 30),
    ("spam", 30),
    ("misdirected", 10),
    ("rejected", 15),
    ("withdrawn", 4),
]


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def layout(request: HttpRequest) -> HttpResponse:
    """A trivial page: the desk's layout (header, nav, stylesheet), no content."""
    return render(request, "desk/base.html", {})


def use_bench_urls() -> None:
    """The project's URLs plus the trivial view (kept out of the project's own URLconf)."""
    module = types.ModuleType("bench_desk_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("bench/trivial/", trivial),
        path("bench/layout/", layout),
        path("", include("vulndesk.urls")),
    ]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__


def text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(VOCABULARY, cum_weights=CUM_WEIGHTS, k=n))


def setup() -> dict[str, Any]:
    from vulndesk.accounts.models import Membership, Project, Reporter, Team, User
    from vulndesk.reports.models import Comment, KeySequence, Report, TimelineEvent

    call_command("migrate", verbosity=0)
    rng = random.Random(3)
    team = Team.objects.create(slug="psrt", name="PSRT", key_prefix="PSRT")
    other = Team.objects.create(slug="other", name="Other", key_prefix="OTH")
    projects = [
        Project.objects.create(team=team, slug="cpython", name="CPython"),
        Project.objects.create(team=team, slug="pip", name="pip"),
    ]
    staff = [
        User.objects.create_user(
            username=f"m{i}", email=f"m{i}@example.test", first_name=f"Member {i}"
        )
        for i in range(8)
    ]
    for i, user in enumerate(staff):
        role = Membership.Role.ADMIN if i == 0 else Membership.Role.MEMBER
        Membership.objects.create(team=team, user=user, role=role)
    reporters = Reporter.objects.bulk_create(
        [Reporter(email=f"r{i}@example.test") for i in range(1000)]
    )
    states = [s for s, w in STATES for _ in range(w)]
    start = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    step = dt.timedelta(days=5 * 365) / REPORTS
    batch = 5000
    with transaction.atomic():
        for first in range(1, REPORTS + 1, batch):
            rows = []
            for n in range(first, min(first + batch, REPORTS + 1)):
                state = rng.choice(states)
                decided = state in ("accepted", "fixing", "fixed", "published", "rejected")
                has_cve = state in ("fixing", "fixed", "published") or (
                    state == "accepted" and n % 2 == 0
                )
                at = start + step * n
                rows.append(
                    Report(
                        team=team,
                        key=f"PSRT-{at.year}-{n:06d}",
                        year=at.year,
                        number=n,
                        source="email",
                        reporter=reporters[n % 1000],
                        title=text(rng, 6),
                        body=text(rng, 60),
                        project=projects[n % 7 == 0],
                        state=state,
                        coordinator=staff[n % 8] if decided or state == "triage" else None,
                        severity=rng.choice(["Low", "Medium", "High", "Critical"])
                        if decided and state != "rejected" and (has_cve or n % 3)
                        else "",
                        cve_id=f"CVE-{at.year}-{100000 + n}" if has_cve else "",
                        created_at=at,
                    )
                )
            reports = Report.objects.bulk_create(rows)
            Comment.objects.bulk_create(
                [
                    Comment(
                        report=r,
                        author=staff[r.number % 8],
                        visibility="internal",
                        body=text(rng, 30),
                        created_at=r.created_at,
                    )
                    for r in reports
                    if r.number % 2 == 0
                ]
            )
        # A few reports of another team, with the same words: never shown.
        Report.objects.bulk_create(
            Report(
                team=other,
                key=f"OTH-2025-{n:06d}",
                year=2025,
                number=n,
                source="email",
                reporter=reporters[n],
                title=text(rng, 6),
                body=text(rng, 60),
            )
            for n in range(1, 101)
        )
        for year in range(2021, 2027):
            KeySequence.objects.create(team=team, year=year, last=REPORTS)
        # The newest report, in fixing, has a long history.
        big = Report.objects.filter(team=team).order_by("-created_at").first()
        assert big is not None
        Report.objects.filter(pk=big.pk).update(
            state="fixing", coordinator=staff[1], severity="High", cve_id="CVE-2026-99999"
        )
        TimelineEvent.objects.bulk_create(
            TimelineEvent(
                report=big,
                at=big.created_at + dt.timedelta(minutes=i),
                actor=staff[i % 8],
                actor_label=staff[i % 8].username,
                action="report:comment:add" if i % 3 else "report:state:change",
                before={} if i % 3 else {"state": "triage"},
                after={} if i % 3 else {"state": "accepted"},
                note=text(rng, 12),
                shared=i % 5 == 0,
            )
            for i in range(EVENTS)
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"team": team, "staff": staff, "big": Report.objects.get(pk=big.pk)}


def timed(client: Client, url: str, headers: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    response = client.get(url, headers=headers or {})
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return elapsed


def like_search_ms(team: Any, word: str) -> float:
    """What an unindexed LIKE search over titles, bodies and comments costs (for the record)."""
    from vulndesk.reports.models import Comment, Report

    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        in_comments = Comment.objects.filter(body__icontains=word).values("report_id")
        list(
            Report.objects.filter(team=team)
            .filter(Q(title__icontains=word) | Q(body__icontains=word) | Q(id__in=in_comments))
            .order_by("-created_at", "-id")
            .values_list("key", flat=True)[:25]
        )
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> int:
    from tests.web import login

    from vulndesk.desk.selectors_inbox import Cursor, _grouped

    use_bench_urls()
    t0 = time.perf_counter()
    world = setup()
    team, member, big = world["team"], world["staff"][1], world["big"]
    print(
        f"setup: {REPORTS} reports, {REPORTS // 2} comments, {EVENTS} timeline entries "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    client = Client()
    login(client, member)

    from vulndesk.reports.models import Report

    middle = Report.objects.filter(team=team).order_by("-created_at", "-id")[REPORTS // 2]
    cursor = Cursor(middle.created_at, middle.id).encode()

    pages: list[tuple[str, str, dict[str, str] | None, bool]] = [
        # (label, url, headers, held to the inbox target)
        ("inbox (all, newest)", "/desk/", None, True),
        ("inbox queue new", "/desk/?queue=new", None, True),
        ("inbox queue mine", "/desk/?queue=mine", None, True),
        ("inbox queue ready to publish", "/desk/?queue=ready", None, True),
        ("inbox queue closed", "/desk/?queue=closed", None, True),
        (
            "inbox filtered (pip, High, m3)",
            "/desk/?project=pip&severity=High&coordinator=m3",
            None,
            False,
        ),
        ("inbox page at report 50,000", f"/desk/?after={cursor}", None, True),
        ("inbox htmx results (fixing)", "/desk/?queue=fixing", {"HX-Request": "true"}, True),
        (f"inbox search (common word: {COMMON})", f"/desk/?q={COMMON}", None, False),
        (f"inbox search (two words: {MIDDLE} {RARE})", f"/desk/?q={MIDDLE}+{RARE}", None, False),
        (f"inbox search (rare word: {RARE})", f"/desk/?q={RARE}", None, False),
        ("inbox search (no match)", "/desk/?q=nosuchwordanywhere", None, False),
        (f"report page ({EVENTS} timeline entries)", f"/desk/reports/{big.key}/", None, False),
    ]
    times: dict[str, list[float]] = {
        "trivial": [],
        "layout": [],
        **{label: [] for label, *_ in pages},
    }
    for _ in range(3):  # warm up: caches, the template loader, SQLite's page cache
        timed(client, "/bench/trivial/")
        timed(client, "/bench/layout/")
        for _label, url, headers, _held in pages:
            timed(client, url, headers)
    for _ in range(ROUNDS):
        times["trivial"].append(timed(client, "/bench/trivial/"))
        times["layout"].append(timed(client, "/bench/layout/"))
        for label, url, headers, _held in pages:
            times[label].append(timed(client, url, headers))

    base = statistics.median(times["trivial"]) * 1000
    empty = statistics.median(times["layout"]) * 1000
    print(f"rounds: {ROUNDS}, interleaved; medians")
    print(f"{'page':44} {'median ms':>10} {'x trivial':>10} {'x layout':>9}")
    print(f"{'trivial view: HttpResponse (baseline)':44} {base:10.2f} {1.0:10.2f} {'':>9}")
    print(f"{'trivial page: empty desk layout':44} {empty:10.2f} {empty / base:10.2f} {1.0:9.2f}")
    failed = []
    worst_trivial = worst_layout = 0.0
    for label, _url, _headers, held in pages:
        ms = statistics.median(times[label]) * 1000
        mark = ""
        if held:
            worst_trivial = max(worst_trivial, ms / base)
            worst_layout = max(worst_layout, ms / empty)
            if ms / empty > GUARD_RATIO or ms >= TARGET_MS:
                failed.append(label)
                mark = "  MISSES GUARD"
        print(f"{label:44} {ms:10.2f} {ms / base:10.2f} {ms / empty:9.2f}{mark}")
    for name, worst in (("trivial view", worst_trivial), ("trivial page", worst_layout)):
        verdict = "met" if worst <= TARGET_RATIO else "NOT met"
        print(
            f"issue target <= {TARGET_RATIO}x the {name}: {verdict} "
            f"(slowest held inbox page {worst:.2f}x)"
        )

    start = time.perf_counter()
    for _ in range(5):
        _grouped(team)
    print(
        f"queue counts uncached (one grouped query): {(time.perf_counter() - start) * 200:.1f} ms"
    )
    for word in (COMMON, RARE):
        print(f"search {word!r} by LIKE instead (record only): {like_search_ms(team, word):.1f} ms")
    print(
        f"guard (exit status): held inbox pages < {TARGET_MS} ms median and <= "
        f"{GUARD_RATIO}x the trivial page"
    )
    if failed:
        print("FAIL: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

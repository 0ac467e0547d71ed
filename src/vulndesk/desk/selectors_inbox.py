"""Reads of the desk inbox: a team's queues, their counts, filters, search and pages.

Only reports of the team asked for, and only for its admins and members: every query
here starts from ``Report.objects.filter(team=team)`` after :func:`desk_team` checked the
membership. (Collaborators and reporters have no inbox; they open reports by link.)

Queues map onto the workflow's states (reports/models.py, reports/workflow.py):

=========  ==================================================================
new        state new: waiting for an admin's triage
mine       open (new, triage, accepted, fixing, fixed) and coordinated by me
awaiting   state triage: plausible, waiting for the coordinator's accept/reject
incomplete state accepted, but no CVE ID or no severity yet
fixing     state fixing
ready      state fixed: the fix is merged; the advisory and publication are next
published  state published
closed     spam, misdirected, rejected or withdrawn
all        every report of the team
=========  ==================================================================

Pages are keyset pages ordered newest first by (created_at, id): a page starts after
the last row of the one before, so it costs the same at any depth (no OFFSET) and a
report filed while someone pages never shifts the pages they have not seen yet.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Model, Q, QuerySet

from vulndesk.accounts.models import Membership, Project, Team, User
from vulndesk.core.errors import NotFound
from vulndesk.desk import search
from vulndesk.reports.models import CLOSED_STATES, OPEN_STATES, Report, State

PAGE_SIZE = 25
COUNTS_TTL = 60  # seconds; the cache key also changes with every change to a report


@dataclass(frozen=True)
class Queue:
    slug: str
    label: str
    help: str
    states: frozenset[str]
    mine: bool = False  # coordinated by the viewer
    incomplete: bool = False  # no CVE ID or no severity yet

    def condition(self, user: User) -> Q:
        states = sorted(self.states)
        if len(states) == len(State.values):
            q = Q()  # every state: no condition, so the planner walks the team's index
        elif len(states) > 1:
            q = Q(state__in=states)
        else:
            q = Q(state=states[0])
        if self.mine:
            q &= Q(coordinator=user)
        if self.incomplete:
            q &= Q(cve_id="") | Q(severity="")
        return q

    def holds(
        self, *, state: str, coordinator_id: int | None, incomplete: bool, user: User
    ) -> bool:
        """Whether a report with these values is in the queue (for counting grouped rows)."""
        return (
            state in self.states
            and (not self.mine or coordinator_id == user.pk)
            and (not self.incomplete or incomplete)
        )


QUEUES: dict[str, Queue] = {
    q.slug: q
    for q in [
        Queue("new", "New", "Waiting for an admin to triage", frozenset({State.NEW})),
        Queue("mine", "Mine", "Open reports I coordinate", frozenset(OPEN_STATES), mine=True),
        Queue(
            "awaiting",
            "Awaiting decision",
            "Plausible; the coordinator accepts or rejects",
            frozenset({State.TRIAGE}),
        ),
        Queue(
            "incomplete",
            "Accepted, no CVE/severity",
            "Accepted but without a CVE ID or a severity",
            frozenset({State.ACCEPTED}),
            incomplete=True,
        ),
        Queue("fixing", "Fixing", "The fix is being made", frozenset({State.FIXING})),
        Queue(
            "ready",
            "Ready to publish",
            "Fix merged; advisory and publication next",
            frozenset({State.FIXED}),
        ),
        Queue("published", "Published", "Advisory published", frozenset({State.PUBLISHED})),
        Queue(
            "closed",
            "Closed",
            "Spam, misdirected, rejected or withdrawn",
            frozenset(CLOSED_STATES),
        ),
        Queue("all", "All", "Every report of the team", frozenset(State.values)),
    ]
}
DEFAULT_QUEUE = "all"


# ----------------------------------------------------------------------------- teams


# The inbox's fixed lookups run on every request. Django compiles a query anew each
# time (~0.2 ms here) while the SQL takes ~0.02 ms, so these few are written as plain
# SQL once (benchmarks/bench_desk.py); tests/desk/test_inbox.py checks them against the
# ORM's answers. Table and column names come from the models.
def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# S608 is answered: the names are the models' own; every value is a parameter.
_TEAMS_SQL = (
    f"SELECT t.id, t.slug, t.name FROM {_table(Team)} t JOIN {_table(Membership)} m"  # noqa: S608
    " ON m.team_id = t.id WHERE m.user_id = %s ORDER BY t.slug"
)
_PROJECTS_SQL = f"SELECT slug, name FROM {_table(Project)} WHERE team_id = %s ORDER BY name"  # noqa: S608
_MEMBERS_SQL = (
    f"SELECT u.username, u.first_name, u.last_name FROM {_table(User)} u"  # noqa: S608
    f" JOIN {_table(Membership)} m ON m.user_id = u.id WHERE m.team_id = %s"
    " ORDER BY u.username"
)
_VERSION_SQL = f"SELECT MAX(updated_at) FROM {_table(Report)} WHERE team_id = %s"  # noqa: S608


def _fetch(sql: str, *params: int | str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def desk_teams(user: User) -> list[Team]:
    """The teams whose desk ``user`` may open (admin or member), by slug.

    Instances with only id, slug and name loaded (the others load on access).
    """
    if not user.is_authenticated:
        return []
    return list(Team.objects.raw(_TEAMS_SQL, [user.pk]))


def filter_choices(team: Team) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The team's projects (slug, name) by name and staff (username, display name)."""
    projects = [(slug, name) for slug, name in _fetch(_PROJECTS_SQL, team.pk)]
    members = [
        # User.display_name: the full name, else the username.
        (username, f"{first} {last}".strip() or username)
        for username, first, last in _fetch(_MEMBERS_SQL, team.pk)
    ]
    return projects, members


def desk_team(user: User, slug: str | None) -> tuple[Team, list[Team]]:
    """The team asked for (default: the first of ``user``'s), and all of them.

    No team, or one that is not theirs: "not found", as for any invisible object.
    """
    teams = desk_teams(user)
    if not teams:
        raise NotFound("There is no desk for you here.")
    if not slug:
        return teams[0], teams
    for team in teams:
        if team.slug == slug:
            return team, teams
    raise NotFound(f"There is no team {slug!r}.")


# ----------------------------------------------------------------------------- counts


@dataclass(frozen=True)
class Counts:
    by_queue: dict[str, int]
    cached: bool


def _grouped(team: Team) -> list[tuple[str, int | None, bool, int]]:
    """(state, coordinator id, incomplete, count) for every combination present.

    Two grouped queries, each read from an index alone: (state, coordinator) over the
    team's reports (reports_team_state_coord_idx), then the few accepted reports that
    lack a CVE ID or severity; the first's accepted counts are split by the second.
    """
    rows = (
        Report.objects.filter(team=team)
        .order_by()
        .values_list("state", "coordinator_id")
        .annotate(n=Count("*"))
    )
    lacking = dict(
        Report.objects.filter(team=team, state=State.ACCEPTED)
        .filter(Q(cve_id="") | Q(severity=""))
        .order_by()
        .values_list("coordinator_id")
        .annotate(n=Count("*"))
        .values_list("coordinator_id", "n")
    )
    out: list[tuple[str, int | None, bool, int]] = []
    for state, coordinator_id, n in rows:
        if state == State.ACCEPTED:
            incomplete = lacking.get(coordinator_id, 0)
            if incomplete:
                out.append((state, coordinator_id, True, incomplete))
            if n - incomplete:
                out.append((state, coordinator_id, False, n - incomplete))
        else:
            out.append((state, coordinator_id, False, n))
    return out


def _version(team: Team) -> str:
    """Changes with every saved change to the team's reports (services set updated_at)."""
    [(latest,)] = _fetch(_VERSION_SQL, team.pk)
    return str(latest).replace(" ", "T") if latest else "empty"


def queue_counts(team: Team, *, user: User) -> Counts:
    """How many reports each queue holds: one grouped query, shared by the team's staff
    through the cache until a report of the team changes (or COUNTS_TTL passes)."""
    key = f"desk:inbox:counts:{team.pk}:{_version(team)}"
    rows: list[Any] | None = cache.get(key)
    cached = rows is not None
    if rows is None:
        rows = [list(r) for r in _grouped(team)]
        cache.set(key, rows, COUNTS_TTL)
    by_queue = dict.fromkeys(QUEUES, 0)
    for state, coordinator_id, incomplete, n in rows:
        for queue in QUEUES.values():
            if queue.holds(
                state=state, coordinator_id=coordinator_id, incomplete=incomplete, user=user
            ):
                by_queue[queue.slug] += n
    return Counts(by_queue=by_queue, cached=cached)


# ----------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class Filters:
    project: str = ""  # a project slug of the team
    state: str = ""
    severity: str = ""
    coordinator: str = ""  # a username, or "none" for unassigned
    q: str = ""  # full-text search

    def active(self) -> bool:
        return any((self.project, self.state, self.severity, self.coordinator, self.q))


@dataclass(frozen=True)
class Cursor:
    created_at: dt.datetime
    id: int

    _EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    _FORMAT = re.compile(r"^(-?\d{1,20})-(\d{1,20})$")

    def encode(self) -> str:
        """Microseconds since the epoch and the id: exact (no float), URL-safe."""
        delta = self.created_at - self._EPOCH
        micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
        return f"{micros}-{self.id}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        match = cls._FORMAT.match(text or "")
        if not match:
            return None
        try:
            at = cls._EPOCH + dt.timedelta(microseconds=int(match[1]))
        except OverflowError:
            return None
        return cls(created_at=at, id=int(match[2]))


class Row(NamedTuple):
    """One line of the inbox: plain values, no model instance (cheap to build and render)."""

    id: int
    key: str
    title: str
    state: str
    severity: str
    cve_id: str
    created_at: dt.datetime
    project: str
    coordinator: str

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)


STATE_LABELS: dict[str, str] = {str(value): str(label) for value, label in State.choices}


@dataclass
class Page:
    rows: list[Row]
    next_cursor: str | None
    first: bool
    filters: Filters = field(default_factory=Filters)


ROW_COLUMNS = (
    "id",
    "key",
    "title",
    "state",
    "severity",
    "cve_id",
    "created_at",
    "project__name",
    "coordinator__username",
    "coordinator__first_name",
    "coordinator__last_name",
)


def inbox_queryset(team: Team, *, user: User, queue: Queue, filters: Filters) -> QuerySet[Report]:
    """Every report of ``team`` in ``queue`` that passes ``filters``, newest first."""
    qs = Report.objects.filter(team=team).filter(queue.condition(user))
    if filters.project:
        qs = qs.filter(project__slug=filters.project)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.coordinator == "none":
        qs = qs.filter(coordinator__isnull=True)
    elif filters.coordinator:
        qs = qs.filter(coordinator__username=filters.coordinator)
    if filters.q:
        found = search.matches(filters.q)
        key = filters.q.strip().upper()
        if key and (key.startswith(f"{team.key_prefix}-") or key.startswith("CVE-")):
            exact = Q(key=key) | Q(cve_id=key)
            found = exact if found is None else found | exact
        if found is not None:
            qs = qs.filter(found)
    return qs.order_by("-created_at", "-id")


def _row(values: tuple[Any, ...]) -> Row:
    (pk, key, title, state, severity, cve_id, created_at, project, username, first, last) = values
    full = f"{first} {last}".strip()  # as User.display_name
    return Row(
        pk, key, title, state, severity, cve_id, created_at, project or "", full or username or ""
    )


def inbox_page(
    team: Team,
    *,
    user: User,
    queue: Queue,
    filters: Filters,
    after: str | None = None,
    size: int | None = None,
) -> Page:
    """One page of the queue: ``size`` (default PAGE_SIZE) reports after the ``after``
    cursor, or the first page."""
    size = size or PAGE_SIZE
    qs = inbox_queryset(team, user=user, queue=queue, filters=filters)
    cursor = Cursor.decode(after)
    if cursor is not None:
        # (created_at, id) < cursor, written so both databases range-scan the index on
        # created_at: the first term bounds the scan, the second breaks the tie.
        qs = qs.filter(created_at__lte=cursor.created_at).filter(
            Q(created_at__lt=cursor.created_at) | Q(id__lt=cursor.id)
        )
    rows = [_row(values) for values in qs.values_list(*ROW_COLUMNS)[: size + 1]]
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = Cursor(rows[-1].created_at, rows[-1].id).encode() if more and rows else None
    return Page(rows=rows, next_cursor=next_cursor, first=cursor is None, filters=filters)

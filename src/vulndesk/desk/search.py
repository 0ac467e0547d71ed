"""Full-text search of the desk: report titles, bodies and comments, on both databases.

- SQLite: two FTS5 tables with external content (the rows stay in reports_report and
  reports_comment), kept current by triggers. Django rebuilds a SQLite table to alter it
  (new table, copy, drop, rename), which drops its triggers; so every ``migrate`` checks
  them (``ensure_index``, run after migrations by desk/apps.py) and, if one is missing,
  recreates them and rebuilds the index from the rows.
- PostgreSQL: GIN indexes on ``to_tsvector('simple', ...)`` of the same columns; the
  query repeats the indexed expression so the planner uses them.

A query matches a report when every word of it (as a prefix: "travers" finds
"traversal") is in its title and body, or in one of its comments. The 'simple'
configuration (no stemming, no stop words) on both databases, so both find the same.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

MAX_WORDS = 8
WORD = re.compile(r"\w+")

# -------------------------------------------------------------------------- SQLite

SQLITE_TABLES = {
    "desk_report_fts": (
        "CREATE VIRTUAL TABLE IF NOT EXISTS desk_report_fts USING fts5("
        "title, body, content='reports_report', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')"
    ),
    "desk_comment_fts": (
        "CREATE VIRTUAL TABLE IF NOT EXISTS desk_comment_fts USING fts5("
        "body, content='reports_comment', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')"
    ),
}

SQLITE_TRIGGERS = {
    "desk_report_fts_insert": (
        "CREATE TRIGGER desk_report_fts_insert AFTER INSERT ON reports_report BEGIN "
        "INSERT INTO desk_report_fts(rowid, title, body) VALUES (new.id, new.title, new.body); "
        "END"
    ),
    "desk_report_fts_delete": (
        "CREATE TRIGGER desk_report_fts_delete AFTER DELETE ON reports_report BEGIN "
        "INSERT INTO desk_report_fts(desk_report_fts, rowid, title, body) "
        "VALUES ('delete', old.id, old.title, old.body); "
        "END"
    ),
    "desk_report_fts_update": (
        "CREATE TRIGGER desk_report_fts_update AFTER UPDATE OF title, body ON reports_report "
        "BEGIN "
        "INSERT INTO desk_report_fts(desk_report_fts, rowid, title, body) "
        "VALUES ('delete', old.id, old.title, old.body); "
        "INSERT INTO desk_report_fts(rowid, title, body) VALUES (new.id, new.title, new.body); "
        "END"
    ),
    "desk_comment_fts_insert": (
        "CREATE TRIGGER desk_comment_fts_insert AFTER INSERT ON reports_comment BEGIN "
        "INSERT INTO desk_comment_fts(rowid, body) VALUES (new.id, new.body); "
        "END"
    ),
    "desk_comment_fts_delete": (
        "CREATE TRIGGER desk_comment_fts_delete AFTER DELETE ON reports_comment BEGIN "
        "INSERT INTO desk_comment_fts(desk_comment_fts, rowid, body) "
        "VALUES ('delete', old.id, old.body); "
        "END"
    ),
    "desk_comment_fts_update": (
        "CREATE TRIGGER desk_comment_fts_update AFTER UPDATE OF body ON reports_comment BEGIN "
        "INSERT INTO desk_comment_fts(desk_comment_fts, rowid, body) "
        "VALUES ('delete', old.id, old.body); "
        "INSERT INTO desk_comment_fts(rowid, body) VALUES (new.id, new.body); "
        "END"
    ),
}

# -------------------------------------------------------------------------- PostgreSQL

PG_REPORT_VECTOR = "to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(body, ''))"
PG_COMMENT_VECTOR = "to_tsvector('simple', coalesce(body, ''))"
PG_INDEXES = {
    "desk_report_search_idx": f"CREATE INDEX IF NOT EXISTS desk_report_search_idx "
    f"ON reports_report USING gin (({PG_REPORT_VECTOR}))",
    "desk_comment_search_idx": f"CREATE INDEX IF NOT EXISTS desk_comment_search_idx "
    f"ON reports_comment USING gin (({PG_COMMENT_VECTOR}))",
}


def ensure_index(conn: BaseDatabaseWrapper | None = None) -> bool:
    """Create what the search needs on ``conn`` if missing; True if anything was made.

    Idempotent and cheap when all is in place (one catalogue query).
    """
    conn = conn or connection
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            for sql in PG_INDEXES.values():
                cursor.execute(sql)
        return False
    if conn.vendor != "sqlite":
        return False  # other databases: search falls back to LIKE (see matches())
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') "
            "AND name LIKE 'desk\\_%\\_fts%' ESCAPE '\\'"
        )
        present = {row[0] for row in cursor.fetchall()}
        wanted = set(SQLITE_TABLES) | set(SQLITE_TRIGGERS)
        if wanted <= present:
            return False
        for sql in SQLITE_TABLES.values():
            cursor.execute(sql)
        for name, sql in SQLITE_TRIGGERS.items():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(sql)
        # Rows may have changed while a trigger was missing: index them all again.
        cursor.execute("INSERT INTO desk_report_fts(desk_report_fts) VALUES ('rebuild')")
        cursor.execute("INSERT INTO desk_comment_fts(desk_comment_fts) VALUES ('rebuild')")
    return True


def drop_index(conn: BaseDatabaseWrapper) -> None:
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            for name in PG_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        elif conn.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            for name in SQLITE_TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")


# -------------------------------------------------------------------------- query


def words(query: str) -> list[str]:
    """The words searched for: letters, digits and underscores; at most MAX_WORDS."""
    return [w.lower() for w in WORD.findall(query)][:MAX_WORDS]


def matches(query: str) -> Q | None:
    """A filter on Report for ``query`` (None when it has no words).

    The caller restricts the reports to a team first; this only narrows them.
    """
    found = words(query)
    if not found:
        return None
    vendor = connection.vendor
    if vendor == "sqlite":
        fts = " ".join(f'"{w}"*' for w in found)  # words are \w+: no quote can appear
        # One condition, each list materialised once. The unary + keeps SQLite from
        # answering "id IN (...) OR id IN (...)" by fetching every match by rowid and
        # sorting them all (200 ms for a word in a quarter of 100,000 reports): it walks
        # the team's created_at index instead and stops at the page's end.
        condition = RawSQL(
            '(+"reports_report"."id" IN '
            "(SELECT rowid FROM desk_report_fts WHERE desk_report_fts MATCH %s) "
            'OR +"reports_report"."id" IN (SELECT report_id FROM reports_comment WHERE id IN '
            "(SELECT rowid FROM desk_comment_fts WHERE desk_comment_fts MATCH %s)))",
            (fts, fts),
            output_field=BooleanField(),
        )
        return Q(condition)
    if vendor == "postgresql":
        # The SQL is constants of this module (the indexed expressions); the words go
        # in as a parameter.
        tsquery = " & ".join(f"{w}:*" for w in found)
        report_sql = f"SELECT id FROM reports_report WHERE {PG_REPORT_VECTOR} "  # noqa: S608
        comment_sql = f"SELECT report_id FROM reports_comment WHERE {PG_COMMENT_VECTOR} "  # noqa: S608
        match = "@@ to_tsquery('simple', %s)"
        in_report = RawSQL(report_sql + match, (tsquery,))  # noqa: S611 - constant SQL
        in_comment = RawSQL(comment_sql + match, (tsquery,))  # noqa: S611 - constant SQL
        return Q(id__in=in_report) | Q(id__in=in_comment)
    # Any other database: correct but unindexed.
    from vulndesk.reports.models import Comment

    report_q, comment_q = Q(), Q()
    for w in found:
        report_q &= Q(title__icontains=w) | Q(body__icontains=w)
        comment_q &= Q(body__icontains=w)
    return report_q | Q(id__in=Comment.objects.filter(comment_q).values("report_id"))

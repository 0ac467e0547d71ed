"""The inbox's full-text search over report titles, bodies and comments.

SQLite: FTS5 tables with external content and their triggers; PostgreSQL: GIN indexes
on to_tsvector('simple', ...). See vulndesk/desk/search.py, which also repairs the
SQLite triggers after any later migration that rebuilds those tables.
"""

from typing import Any

from django.db import migrations


def create(apps: Any, schema_editor: Any) -> None:
    from vulndesk.desk.search import ensure_index

    ensure_index(schema_editor.connection)


def drop(apps: Any, schema_editor: Any) -> None:
    from vulndesk.desk.search import drop_index

    drop_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0001_collaborator_invitations"),
        ("reports", "0001_the_case"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]

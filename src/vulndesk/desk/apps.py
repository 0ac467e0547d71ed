from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_search_index(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """Schema upkeep, not a domain effect: Django rebuilds a SQLite table to alter it,
    which drops the search triggers on it; put them back (and re-index) after migrate."""
    from django.db import connections

    from vulndesk.desk.search import ensure_index

    connection = connections[using]
    tables = connection.introspection.table_names()
    if "reports_report" in tables and "reports_comment" in tables:
        ensure_index(connection)


class DeskConfig(AppConfig):
    name = "vulndesk.desk"
    label = "desk"
    verbose_name = "Desk"

    def ready(self) -> None:
        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="desk-search-index")

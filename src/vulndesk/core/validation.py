"""Input checks shared by every app's services, so over-long input is refused with a
message (the database would otherwise truncate it on SQLite or fail on PostgreSQL)."""

from __future__ import annotations

from django.db import models

from vulndesk.core.errors import ValidationFailed


def require_fits(model: type[models.Model], field: str, value: str, *, what: str = "") -> None:
    """Refuse ``value`` if it is longer than ``model.field`` can hold."""
    max_length = getattr(model._meta.get_field(field), "max_length", None)
    if max_length is not None and len(value) > max_length:
        name = what or str(getattr(model._meta.get_field(field), "verbose_name", field))
        raise ValidationFailed(
            f"The {name} is too long: {len(value)} characters, at most {max_length} allowed."
        )


def require_length(value: str, max_length: int, *, what: str) -> None:
    """Refuse ``value`` if it is longer than ``max_length`` (for values without a column)."""
    if len(value) > max_length:
        raise ValidationFailed(
            f"The {what} is too long: {len(value)} characters, at most {max_length} allowed."
        )

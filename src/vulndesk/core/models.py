"""Base model pieces shared by every app."""

from __future__ import annotations

from django.db import models

from vulndesk.core import clock


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

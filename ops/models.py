"""What environment a database is: a marker row the staging tools check before they touch it."""

from __future__ import annotations

from django.db import models


class EnvironmentMarker(models.Model):
    """One row per database, written by `manage.py mark_environment` (and by the staging refresh).

    A row saying "production" makes every staging tool refuse this database. The refresh dumps
    production without this table's rows, so a copy never inherits production's mark.
    """

    environment = models.CharField(max_length=20)
    marked_at = models.DateTimeField(auto_now=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "ops_environmentmarker"

    def __str__(self) -> str:
        return f"{self.environment} (marked {self.marked_at:%Y-%m-%d %H:%M})"

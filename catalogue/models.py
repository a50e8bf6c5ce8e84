"""The catalogue change log written by database triggers, and the cache invalidator's cursor.

Nothing in the application writes CatalogueChange: triggers on the catalogue tables do (see
catalogue/migrations/0002_catalogue_triggers.py), so every write path - ORM save, QuerySet.update(),
bulk_create, admin, raw SQL - is recorded in the same transaction as the change itself.

The tables keep the names they were created with (`dukaan_*`), so moving the models here moved no data.
"""

from __future__ import annotations

from django.db import models


class CatalogueChange(models.Model):
    """One committed change to what a store's public catalogue is built from."""

    id = models.BigAutoField(primary_key=True)
    # No foreign key: the row must outlive a deleted store (its cached catalogue still has to go).
    store_id = models.BigIntegerField()
    table = models.CharField(max_length=63)
    op = models.CharField(max_length=8)
    # PostgreSQL: the writing transaction's id (xid8 as a number). Ids from a sequence commit out of
    # order, so the invalidator's position is a transaction snapshot, not "the last id"
    # (catalogue/change_log.py).
    txid = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "dukaan_cataloguechange"
        indexes = [
            models.Index(fields=["txid"], name="cataloguechange_txid_idx"),
            models.Index(fields=["store_id", "-id"], name="cataloguechange_store_idx"),
            models.Index(fields=["created_at"], name="cataloguechange_created_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.op} {self.table} store {self.store_id}"


class InvalidatorCursor(models.Model):
    """How far the cache invalidator has got: everything up to here is deleted from the cache.

    Several invalidators may share one cursor: each only ever writes a position up to which it has
    itself processed every change, so the worst a race can do is make one of them repeat work.
    """

    name = models.CharField(max_length=50, primary_key=True)
    # PostgreSQL: text of the pg_snapshot whose visible changes are all processed (empty = from the start).
    snapshot = models.TextField(blank=True)
    last_change_id = models.BigIntegerField(default=0)
    last_processed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "dukaan_invalidatorcursor"

    def __str__(self) -> str:
        return f"{self.name} at change #{self.last_change_id}"

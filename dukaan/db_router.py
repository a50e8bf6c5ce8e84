"""Primary/replica database routing (fleshed out by the replicas work, issue 4)."""

from __future__ import annotations

from typing import Any

PRIMARY = "default"


class PrimaryReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str:
        return PRIMARY

    def db_for_write(self, model: type, **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY

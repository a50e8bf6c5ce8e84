from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "Catalogue (what shoppers see)"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from catalogue.cache import cache_status
        from catalogue.change_log import invalidator_status
        from catalogue.triggers import restore_sqlite_triggers
        from dukaan.http import health

        # SQLite drops a table's triggers when a migration rebuilds it (catalogue/triggers.py).
        post_migrate.connect(restore_sqlite_triggers, sender=self, dispatch_uid="catalogue-sqlite-triggers")

        # Informational on /readyz: a late invalidator means stale prices, not an unready app server.
        health.register_check(
            "invalidator", lambda: {**invalidator_status(), "catalogue_cache": cache_status()}
        )

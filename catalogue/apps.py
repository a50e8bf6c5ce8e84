from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "Catalogue (what shoppers see)"

    def ready(self) -> None:
        from catalogue.cache import cache_status
        from catalogue.change_log import invalidator_status
        from dukaan.http import health

        # Informational on /readyz: a late invalidator means stale prices, not an unready app server.
        health.register_check(
            "invalidator", lambda: {**invalidator_status(), "catalogue_cache": cache_status()}
        )

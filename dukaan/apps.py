from django.apps import AppConfig


class DukaanConfig(AppConfig):
    """The project's own infrastructure (no models): here for its management command, check_storage."""

    name = "dukaan"
    verbose_name = "Dukaan platform"

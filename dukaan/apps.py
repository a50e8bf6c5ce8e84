from django.apps import AppConfig


class DukaanConfig(AppConfig):
    name = "dukaan"
    verbose_name = "Dukaan platform"

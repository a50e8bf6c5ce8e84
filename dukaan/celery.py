"""The Celery application: the background worker and its scheduler (beat).

    celery -A dukaan.celery worker --beat      (deploy/entrypoint.sh worker does this)

Configuration comes from the CELERY_* names in dukaan/settings.py; tasks are found in each
installed app's tasks.py (by name, so this package still imports no domain app).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dukaan.settings")

app = Celery("dukaan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

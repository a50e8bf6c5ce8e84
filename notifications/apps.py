from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications and background work"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from dukaan.http import health
        from notifications.selectors import queue_status
        from notifications.signals import outbox_event_saved
        from orders.models import OrderEvent

        # orders never imports this app: it writes its outbox, and this hears of each new row.
        post_save.connect(outbox_event_saved, sender=OrderEvent, dispatch_uid="notifications.outbox")
        # Informational on /readyz: a backlog means late messages, not an unready app server.
        health.register_check("notifications", queue_status)

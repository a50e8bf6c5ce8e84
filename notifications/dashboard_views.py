"""The seller's notifications page: which kinds go out, what was sent, and "send again" for failures."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from notifications import selectors, services
from notifications.forms import NotificationSettingsForm
from notifications.models import PREFERENCE_FIELDS, Status
from stores.access import get_owned_store_or_404

RECENT = 50


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def notification_center(request: HttpRequest, slug: str) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    prefs = selectors.store_notification_settings(store=store)
    status = 200
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST, instance=prefs)
        if form.is_valid():
            services.notification_settings_update(
                store=store, **{field: form.cleaned_data[field] for field in PREFERENCE_FIELDS}
            )
            messages.success(request, _("Notification settings saved."))
            return redirect("notifications_dashboard:center", slug=store.slug)
        status = 400
    else:
        form = NotificationSettingsForm(instance=prefs)
    recent = list(selectors.store_notifications(store=store)[:RECENT])
    failed = selectors.store_notifications(store=store, status=Status.FAILED).count()
    return render(
        request,
        "notifications/center.html",
        {"store": store, "form": form, "recent": recent, "failed": failed},
        status=status,
    )


@login_required
@require_POST
def notification_resend(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    store = get_owned_store_or_404(request.user, slug)
    notification = selectors.store_notifications(store=store).filter(pk=pk).first()
    if notification is None:
        raise Http404("No such notification.")
    try:
        services.notification_resend(notification=notification)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            _("Sending the message about order #%(number)s again.") % {"number": notification.order.number},
        )
    return redirect("notifications_dashboard:center", slug=store.slug)

from __future__ import annotations

from django.contrib import admin, messages

from orders.admin import OrderAdmin
from orders.models import Order
from payments.models import Payment, PaymentEvent, PaymentEventStatus
from payments.webhooks import payment_event_process


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    fields = ["received_at", "event_id", "event_type", "status", "outcome", "attempts"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "provider_ref",
        "order",
        "method",
        "provider",
        "amount",
        "currency",
        "status",
        "flagged_for_review",
        "review_reason",
        "confirmed_by",
        "created_at",
    ]
    list_filter = ["flagged_for_review", "status", "method", "provider", "created_at"]
    search_fields = ["provider_ref", "=order__number", "order__customer_phone", "order__store__slug"]
    list_select_related = ["order__store", "confirmed_by"]
    readonly_fields = [
        "order",
        "method",
        "provider",
        "provider_ref",
        "amount",
        "currency",
        "status",
        "captured_at",
        "failure_reason",
        "confirmed_by",
        "confirmed_at",
        "created_at",
        "updated_at",
    ]
    fields = [*readonly_fields[:8], "flagged_for_review", "review_reason", *readonly_fields[8:]]
    inlines = [PaymentEventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PaymentEvent)
class PaymentEventAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "provider",
        "event_id",
        "event_type",
        "status",
        "attempts",
        "outcome",
        "received_at",
    ]
    list_filter = ["status", "provider", "event_type", "received_at"]
    search_fields = ["event_id", "payment__provider_ref"]
    readonly_fields = [
        "provider",
        "event_id",
        "event_type",
        "payment",
        "body",
        "status",
        "outcome",
        "attempts",
        "last_error",
        "received_at",
        "processed_at",
    ]
    actions = ["reprocess"]

    @admin.action(description="Reprocess selected pending events")
    def reprocess(self, request, queryset) -> None:
        done = failed = skipped = 0
        for event in queryset.order_by("id"):
            if event.status != PaymentEventStatus.PENDING:
                skipped += 1
                continue
            try:
                outcome = payment_event_process(event_pk=event.pk)
            except Exception as exc:
                failed += 1
                self.message_user(request, f"Event {event.event_id}: still pending: {exc}", messages.ERROR)
            else:
                done += 1
                self.message_user(request, f"Event {event.event_id}: {outcome}", messages.SUCCESS)
        self.message_user(
            request, f"{done} processed, {failed} still pending, {skipped} skipped (not pending)."
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    fields = [
        "method",
        "provider",
        "provider_ref",
        "amount",
        "currency",
        "status",
        "flagged_for_review",
        "confirmed_by",
        "confirmed_at",
        "captured_at",
    ]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("confirmed_by")


# The order page shows its payments too. Orders know nothing of payments, so the inline is added
# from here: the orders admin is registered first (INSTALLED_APPS order) and replaced by this one.
admin.site.unregister(Order)


@admin.register(Order)
class OrderWithPaymentsAdmin(OrderAdmin):
    inlines = [OrderAdmin.inlines[0], PaymentInline, *OrderAdmin.inlines[1:]]

from __future__ import annotations

from django.contrib import admin

from orders.models import Order, OrderEvent, OrderItem


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    fields = ["product", "name", "unit_price", "quantity", "line_total"]
    readonly_fields = fields
    can_delete = False

    # Read-only foreign keys are fetched row by row unless joined here.
    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    fields = ["created_at", "kind", "actor", "payload", "consumed_at"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "store",
        "customer_name",
        "customer_phone",
        "status",
        "payment_method",
        "total",
        "is_paid",
        "created_at",
    ]
    # No store sidebar (it would list every store); search by store slug instead.
    list_filter = ["status", "payment_method", ("paid_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["=number", "customer_phone", "customer_name", "token", "store__slug"]
    list_select_related = ["store"]
    date_hierarchy = "created_at"
    # payments/admin.py adds the order's payments to this page.
    inlines = [OrderItemInline, OrderEventInline]
    readonly_fields = [
        "store",
        "number",
        "token",
        "status",
        "payment_method",
        "currency",
        "subtotal",
        "total",
        "paid_at",
        "stock_restored",
        "created_at",
        "updated_at",
        "placed_at",
        "accepted_at",
        "shipped_at",
        "delivered_at",
        "closed_at",
    ]
    # Status moves go through orders.services (stock, outbox), so the admin shows them read-only.
    fields = [
        *readonly_fields[:9],
        "customer_name",
        "customer_phone",
        "address",
        "pincode",
        "note",
        "tracking_id",
        "shipping_provider",
        "reason",
        *readonly_fields[9:],
    ]

    @admin.display(boolean=True, ordering="paid_at")
    def is_paid(self, order: Order) -> bool:
        return order.is_paid

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OrderEvent)
class OrderEventAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "order", "store", "created_at", "consumed_at"]
    list_filter = ["kind", ("consumed_at", admin.EmptyFieldListFilter)]
    search_fields = ["=order__number", "kind"]
    list_select_related = ["order", "store"]
    readonly_fields = ["order", "store", "kind", "payload", "actor", "created_at", "consumed_at"]

    def has_add_permission(self, request) -> bool:
        return False

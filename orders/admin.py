from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from orders.invoice import invoice_label, invoice_response
from orders.models import Order, OrderEvent, OrderItem


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    fields = ["product", "name", "variant_label", "unit_price", "quantity", "line_total"]
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
        "discount",
        "coupon_code",
        "delivery_fee",
        "charges",
        "tax",
        "total",
        "invoice",
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
        *readonly_fields[:16],
        "customer_name",
        "customer_phone",
        "address",
        "pincode",
        "note",
        "tracking_id",
        "shipping_provider",
        "reason",
        *readonly_fields[16:],
    ]

    @admin.display(boolean=True, ordering="paid_at")
    def is_paid(self, order: Order) -> bool:
        return order.is_paid

    @admin.display(description="invoice")
    def invoice(self, order: Order) -> str:
        url = reverse("admin:orders_order_invoice", args=[order.pk])
        number = f" {invoice_label(order)}" if order.invoice_number else ""
        return format_html('<a href="{}">Invoice{} (PDF)</a>', url, number)

    def get_urls(self) -> list:
        invoice_view = self.admin_site.admin_view(self.invoice_view)
        return [path("<int:pk>/invoice.pdf", invoice_view, name="orders_order_invoice"), *super().get_urls()]

    def invoice_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return invoice_response(get_object_or_404(Order, pk=pk))

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

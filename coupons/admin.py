from django.contrib import admin

from coupons.models import Coupon


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ("code", "store", "kind", "value", "used_count", "usage_limit", "is_active", "expires_at")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "store__slug", "store__name")
    list_select_related = ("store",)
    raw_id_fields = ("store",)
    readonly_fields = ("used_count", "created_at", "updated_at")

"""Admin for sellers (phone identity), stores and one-time-code challenges."""

from __future__ import annotations

import contextlib
import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from stores import services
from stores.models import RESERVED_SLUGS, OtpChallenge, Store, User
from stores.phone import normalize_phone


class UserAdminCreationForm(AdminUserCreationForm):
    """Phone plus an optional password: sellers have none, staff may get one for the admin."""

    class Meta:
        model = User
        fields = ("phone", "name")
        field_classes: dict = {}

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data.get("phone"))


class UserAdminChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict = {}

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data.get("phone"))


class StoreInline(admin.TabularInline):
    model = Store
    fields = ("name", "slug", "is_active", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    fieldsets = (
        (None, {"fields": ("phone", "password")}),
        ("Profile", {"fields": ("name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("phone", "name", "usable_password", "password1", "password2"),
                "description": "Sellers sign in with a code by SMS and need no password. "
                "Give one only to staff who use this admin.",
            },
        ),
    )
    list_display = ("phone", "name", "store_count", "is_staff", "is_active", "date_joined", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "date_joined")
    search_fields = ("phone", "name")
    ordering = ("-date_joined",)
    readonly_fields = ("last_login", "date_joined")
    inlines = [StoreInline]
    actions = ["sign_out_of_the_app"]

    @admin.action(description="Sign selected sellers out of the app (revoke their API tokens)")
    def sign_out_of_the_app(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        revoked = sum(services.api_token_revoke(user=user) for user in queryset)
        self.message_user(request, f"Revoked {revoked} API token(s).", messages.SUCCESS)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).annotate(_store_count=Count("stores"))

    @admin.display(description="stores", ordering="_store_count")
    def store_count(self, user: User) -> int:
        return getattr(user, "_store_count", 0)

    def get_inlines(self, request: HttpRequest, obj: User | None) -> list:
        return self.inlines if obj is not None else []


class StoreAdminForm(forms.ModelForm):
    class Meta:
        model = Store
        fields = (
            "name",
            "slug",
            "owner",
            "is_active",
            "description",
            "currency",
            "whatsapp_number",
            "upi_id",
            "logo",
        )

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise ValidationError(f"“{slug}” is reserved for a site page. Pick another link.")
        return slug

    def clean_whatsapp_number(self) -> str:
        value = self.cleaned_data.get("whatsapp_number", "")
        return normalize_phone(value) if value else ""

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if not isinstance(logo, UploadedFile):
            return logo  # unchanged or cleared
        # Checked and re-encoded as a PNG like a seller's upload: an SVG or HTML file served from
        # our media URL would run script in the visitor's browser.
        try:
            content = services.prepare_logo(logo)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict.get("logo", exc.messages)) from None
        slug = self.cleaned_data.get("slug") or self.instance.slug
        content.name = f"{slug}/{uuid.uuid4().hex}.png"  # upload_to adds "logos/"
        return content


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    form = StoreAdminForm
    list_display = ("name", "slug", "owner", "currency", "is_active", "created_at", "storefront_link")
    list_filter = ("is_active", "currency", "created_at")
    search_fields = ("name", "slug", "owner__phone")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    readonly_fields = ("storefront_link", "created_at", "updated_at")
    date_hierarchy = "created_at"
    actions = ["close_stores", "open_stores"]
    fieldsets = (
        (None, {"fields": ("name", "slug", "owner", "storefront_link", "is_active")}),
        ("Details", {"fields": ("description", "currency", "whatsapp_number", "upi_id", "logo")}),
        ("Dates", {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description="storefront")
    def storefront_link(self, store: Store) -> str:
        if not store.pk:
            return "-"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', store.public_url, store.public_url
        )

    @admin.action(description="Close selected stores (hide from shoppers)")
    def close_stores(self, request: HttpRequest, queryset: QuerySet[Store]) -> None:
        count = queryset.update(is_active=False, updated_at=timezone.now())
        self.message_user(request, f"Closed {count} store(s).", messages.SUCCESS)

    @admin.action(description="Reopen selected stores")
    def open_stores(self, request: HttpRequest, queryset: QuerySet[Store]) -> None:
        count = queryset.update(is_active=True, updated_at=timezone.now())
        self.message_user(request, f"Reopened {count} store(s).", messages.SUCCESS)


class OtpStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("used", "Used"), ("open", "Open"), ("expired", "Expired, unused")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[OtpChallenge]) -> QuerySet[OtpChallenge]:
        now = timezone.now()
        if self.value() == "used":
            return queryset.filter(consumed_at__isnull=False)
        if self.value() == "open":
            return queryset.filter(consumed_at__isnull=True, expires_at__gt=now)
        if self.value() == "expired":
            return queryset.filter(consumed_at__isnull=True, expires_at__lte=now)
        return queryset


@admin.register(OtpChallenge)
class OtpChallengeAdmin(admin.ModelAdmin):
    """Read-only audit of code requests. The code hash is never shown: it would only help guessing."""

    list_display = ("phone", "requested_ip", "created_at", "expires_at", "attempts", "state")
    list_filter = (OtpStateFilter, "created_at")
    search_fields = ("phone", "requested_ip")
    fields = ("phone", "requested_ip", "created_at", "expires_at", "attempts", "consumed_at", "state")
    readonly_fields = fields
    date_hierarchy = "created_at"

    @admin.display(description="state")
    def state(self, challenge: OtpChallenge) -> str:
        if challenge.consumed_at:
            return "used"
        if challenge.expires_at <= timezone.now():
            return "expired"
        return "open"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        # Let staff paste a number the way a seller says it ("98765 43210").
        with contextlib.suppress(ValidationError):
            search_term = normalize_phone(search_term)
        return super().get_search_results(request, queryset, search_term)

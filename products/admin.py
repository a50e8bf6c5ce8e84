"""Admin for the catalogue. Changelists stay at a constant number of queries (select_related)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from dukaan.media import media_url
from products import services, variants
from products.models import Category, Product, ProductVariant


class ProductAdminForm(forms.ModelForm):
    new_image = forms.FileField(
        label="Upload a new photo",
        required=False,
        help_text="JPEG, PNG or WebP; it is checked, resized and stored like a seller's upload.",
    )

    class Meta:
        model = Product
        fields = [
            "store",
            "name",
            "description",
            "category",
            "price",
            "mrp",
            "stock",
            "is_active",
            "position",
        ]


class VariantInlineForm(forms.ModelForm):
    class Meta:
        model = ProductVariant
        fields = ["options", "price", "mrp", "stock", "sku", "is_active", "position"]

    def clean_options(self):
        return variants.clean_options(self.cleaned_data.get("options"))


class VariantInline(admin.TabularInline):
    """Sizes and colours with their own price and stock. Saved through products.variants, so the
    product's price and stock follow and every rule (same options, unique SKU) holds here too."""

    model = ProductVariant
    form = VariantInlineForm
    extra = 0
    fields = ["options", "label", "price", "mrp", "stock", "sku", "is_active", "position"]
    readonly_fields = ["label"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductAdminForm
    inlines = [VariantInline]

    class Media:
        # The thumbnail's look: a class, as the Content-Security-Policy refuses style="" attributes.
        css = {"all": ["css/admin.css"]}

    list_display = [
        "preview",
        "name",
        "store",
        "category",
        "price",
        "mrp",
        "stock",
        "is_active",
        "updated_at",
    ]
    list_display_links = ["preview", "name"]
    list_editable = ["price", "stock", "is_active"]
    # No store or category sidebar: with thousands of stores it would list them all on every
    # page. Search by store name/slug, or filter with ?store__id__exact=<id>.
    list_filter = ["is_active"]
    list_select_related = ["store", "category"]
    search_fields = ["name", "store__name", "store__slug"]
    raw_id_fields = ["store", "category"]
    readonly_fields = [
        "large_preview",
        "image_thumb",
        "image_large",
        "image_small",
        "image_sha256",
        "created_at",
        "updated_at",
    ]
    list_per_page = 50
    show_full_result_count = False  # COUNT(*) over every product is slow on a big catalogue
    fieldsets = [
        (None, {"fields": ["store", "name", "description", "category"]}),
        ("Price and stock", {"fields": ["price", "mrp", "stock", "is_active", "position"]}),
        (
            "Photo",
            {
                "fields": [
                    "large_preview",
                    "new_image",
                    "image_thumb",
                    "image_large",
                    "image_small",
                    "image_sha256",
                ]
            },
        ),
        ("Timestamps", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    actions = ["make_visible", "make_hidden"]

    @admin.display(description="Photo")
    def preview(self, product: Product) -> str:
        url = media_url(product.image_thumb.name)
        if not url:
            return "—"
        return format_html('<img src="{}" alt="" width="48" height="48" class="dukaan-admin-thumb">', url)

    @admin.display(description="Current photo")
    def large_preview(self, product: Product) -> str:
        url = media_url(product.image_thumb.name)
        return format_html('<img src="{}" alt="" width="160">', url) if url else "—"

    def get_readonly_fields(self, request: HttpRequest, obj: Product | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.has_variants:
            fields += ["price", "mrp", "stock"]  # derived from the variants below
        return fields

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is not ProductVariant:
            super().save_formset(request, form, formset, change)
            return
        product = form.instance
        # What the admin's history message lists (formset.save() would have set these).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for deleted in formset.deleted_forms:
            if deleted.instance.pk:
                variants.variant_delete(variant=deleted.instance)
                formset.deleted_objects.append(deleted.instance)
        for inline in formset.forms:
            if not inline.has_changed() or inline in formset.deleted_forms or not inline.cleaned_data:
                continue
            data = {name: inline.cleaned_data.get(name) for name in VariantInlineForm.Meta.fields}
            position = data.pop("position", None)
            try:
                if inline.instance.pk:
                    saved = variants.variant_update(variant=inline.instance, **data)
                    formset.changed_objects.append((saved, inline.changed_data))
                else:
                    saved = variants.variant_create(product=product, **data)
                    formset.new_objects.append(saved)
            except ValidationError as exc:
                messages.error(request, f"A variant was not saved: {' '.join(exc.messages)}")
                continue
            if position is not None and position != saved.position:
                ProductVariant.objects.filter(pk=saved.pk).update(position=position)

    def save_model(self, request: HttpRequest, obj: Product, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        upload = form.cleaned_data.get("new_image")
        if upload:
            try:
                services.product_update(product=obj, image=upload)
            except ValidationError as exc:
                messages.error(request, f"The photo was not saved: {' '.join(exc.messages)}")

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        services.product_delete(product=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        for product in queryset:
            services.product_delete(product=product)

    @admin.action(description="Show the selected products in their stores")
    def make_visible(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        count = queryset.update(is_active=True)
        self.message_user(request, f"{count} product(s) are now visible.")

    @admin.action(description="Hide the selected products")
    def make_hidden(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        count = queryset.update(is_active=False)
        self.message_user(request, f"{count} product(s) are now hidden.")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "store", "position", "product_count"]
    list_select_related = ["store"]
    search_fields = ["name", "store__name", "store__slug"]
    raw_id_fields = ["store"]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).annotate(_product_count=Count("products"))

    @admin.display(description="Products", ordering="_product_count")
    def product_count(self, category: Category) -> int:
        return category._product_count

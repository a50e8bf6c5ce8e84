"""API serializers: parse and type-check input; products/services.py applies the rules."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from dukaan.i18n import interpolate_lazy
from dukaan.media import media_url
from products.models import MAX_PRICE, MAX_STOCK, MIN_PRICE, Category, Product, ProductVariant
from products.prices import price_messages
from products.services import CATEGORY_NAME_MAX, DESCRIPTION_MAX, NAME_MAX
from products.variants import MAX_OPTIONS, OPTION_VALUE_MAX, SKU_MAX


def _money_field(label: str, **kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=MIN_PRICE,
        max_value=MAX_PRICE,
        error_messages=price_messages(label),
        **kwargs,
    )


class FormSafeBooleanField(serializers.BooleanField):
    """A boolean that a multipart form may leave out without meaning "false".

    DRF treats a missing checkbox in form data as False; for `is_active` that would hide
    every product the mobile app uploads without sending the field.
    """

    default_empty_html = empty


@extend_schema_field(
    {"type": "integer", "nullable": True, "description": "Id of one of the store's categories."}
)
class StoreCategoryField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": _("Choose one of your store's categories (no category {pk_value} in this store)."),
        "incorrect_type": _("Category must be the id of one of your store's categories."),
    }

    def get_queryset(self):
        store = self.context.get("store")
        if store is None:
            return Category.objects.none()
        return Category.objects.filter(store=store)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("incorrect_type", data_type="bool")
        if isinstance(data, float) and not data.is_integer():
            # Django would truncate 1.5 to category 1 without a word.
            self.fail("incorrect_type", data_type="float")
        return super().to_internal_value(data)


class ProductWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX)
    price = _money_field(_("Price"))
    mrp = _money_field(_("MRP"), required=False, allow_null=True)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX, required=False, allow_blank=True, trim_whitespace=True
    )
    category = StoreCategoryField(required=False, allow_null=True)
    stock = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=MAX_STOCK,
        help_text="Units in stock; null (or absent) means unlimited.",
        error_messages={
            "invalid": _("Stock must be a whole number, or empty for unlimited."),
            "min_value": _("Stock cannot be negative."),
            "max_value": interpolate_lazy(_("Stock can be at most %(max)s."), {"max": f"{MAX_STOCK:,}"}),
        },
    )
    is_active = FormSafeBooleanField(required=False, help_text="Visible in the store (default true).")
    image = serializers.FileField(
        required=False,
        allow_null=True,
        allow_empty_file=False,
        write_only=True,
        help_text="JPEG, PNG or WebP photo, at most 10 MB. In PATCH, null removes the photo.",
    )

    def to_internal_value(self, data):
        # "" for an optional number from a form means "empty", the same as null.
        if hasattr(data, "getlist"):
            # A plain dict of the form's values (QueryDict.copy() would deep-copy uploaded files).
            data = {key: data.get(key) for key in data}
            for key in ("mrp", "stock", "category"):
                if data.get(key) == "":
                    data[key] = None
        if isinstance(data, dict) and isinstance(data.get("stock"), bool):
            raise serializers.ValidationError(
                {"stock": [_("Stock must be a whole number, or empty for unlimited.")]}
            )
        return super().to_internal_value(data)


class ProductSerializer(serializers.ModelSerializer):
    thumb_url = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()
    in_stock = serializers.BooleanField(read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "description",
            "price",
            "mrp",
            "category",
            "stock",
            "in_stock",
            "is_active",
            "has_variants",
            "position",
            "thumb_url",
            "image_url",
            "image_sha256",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_thumb_url(self, product: Product) -> str:
        return media_url(product.image_thumb.name)

    def get_image_url(self, product: Product) -> str:
        return media_url(product.image_large.name)


def _stock_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(
        allow_null=True,
        min_value=0,
        max_value=MAX_STOCK,
        error_messages={
            "invalid": _("Stock must be a whole number, or empty for unlimited."),
            "min_value": _("Stock cannot be negative."),
            "max_value": interpolate_lazy(_("Stock can be at most %(max)s."), {"max": f"{MAX_STOCK:,}"}),
        },
        **kwargs,
    )


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "string", "maxLength": OPTION_VALUE_MAX},
        "maxProperties": MAX_OPTIONS,
        "minProperties": 1,
        "example": {"Size": "M", "Colour": "Red"},
    }
)
class VariantOptionsField(serializers.DictField):
    """Option name -> value; products.variants.clean_options judges it and words the refusal."""

    child = serializers.CharField(max_length=OPTION_VALUE_MAX, allow_blank=True, trim_whitespace=True)
    default_error_messages = {
        # Doubled braces: DRF formats the message.
        "not_a_dict": 'Options must be an object of option name to value, e.g. {{"Size": "M"}}.'
    }

    def to_internal_value(self, data):
        if isinstance(data, dict) and any(not isinstance(value, str) for value in data.values()):
            self.fail("not_a_dict", input_type=type(data).__name__)
        return super().to_internal_value(data)


class VariantWriteSerializer(serializers.Serializer):
    options = VariantOptionsField()
    price = _money_field(_("Price"), required=False, help_text="Default: the product's price.")
    mrp = _money_field(_("MRP"), required=False, allow_null=True)
    stock = _stock_field(required=False, help_text="Units in stock; null (or absent) means unlimited.")
    sku = serializers.CharField(max_length=SKU_MAX, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False, help_text="On sale (default true).")

    def to_internal_value(self, data):
        if isinstance(data, dict) and isinstance(data.get("stock"), bool):
            raise serializers.ValidationError(
                {"stock": [_("Stock must be a whole number, or empty for unlimited.")]}
            )
        return super().to_internal_value(data)


class VariantSerializer(serializers.ModelSerializer):
    options = VariantOptionsField(read_only=True)
    in_stock = serializers.BooleanField(read_only=True)

    class Meta:
        model = ProductVariant
        fields = ["id", "options", "label", "price", "mrp", "stock", "sku", "is_active", "in_stock"]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=CATEGORY_NAME_MAX)

    class Meta:
        model = Category
        fields = ["id", "name", "position"]
        read_only_fields = ["id", "position"]

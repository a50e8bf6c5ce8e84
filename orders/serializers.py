from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.models import Order, OrderItem, OrderStatus, PaymentMethod
from orders.services import PINCODE_RE


class OrderItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderItem
        fields = ["product", "variant", "name", "variant_label", "unit_price", "quantity", "line_total"]


class ChargeSerializer(serializers.Serializer):
    name = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class OrderSerializer(serializers.ModelSerializer):
    """An order as its seller sees it."""

    items = OrderItemSerializer(many=True, read_only=True)
    charges = ChargeSerializer(many=True, read_only=True, help_text="Extra charges as charged at placement.")
    coupon = serializers.SerializerMethodField(help_text="The code of the coupon applied, or null.")
    is_paid = serializers.BooleanField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    store = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Order
        fields = [
            "number",
            "token",
            "store",
            "status",
            "status_display",
            "total",
            "subtotal",
            "discount",
            "delivery_fee",
            "charges",
            "tax",
            "coupon",
            "currency",
            "payment_method",
            "is_paid",
            "paid_at",
            "customer_name",
            "customer_phone",
            "address",
            "pincode",
            "note",
            "tracking_id",
            "shipping_provider",
            "reason",
            "items",
            "created_at",
            "updated_at",
            "placed_at",
            "accepted_at",
            "shipped_at",
            "delivered_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_coupon(self, order: Order) -> str | None:
        return order.coupon_code or None


class PublicOrderSerializer(OrderSerializer):
    """What the customer's order token shows: the same order, as the customer gave it."""

    payment_url = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "payment_url"]
        read_only_fields = fields

    def get_payment_url(self, order: Order) -> str | None:
        return self.context.get("payment_url")


class OrderItemInputSerializer(serializers.Serializer):
    product = serializers.IntegerField(min_value=1, max_value=2**53)
    variant = serializers.IntegerField(
        min_value=1,
        max_value=2**53,
        required=False,
        allow_null=True,
        help_text="Required for a product with variants (the variant's id); refused for one without.",
        error_messages={
            key: "A variant must be the id of one of the product's variants."
            for key in ("invalid", "min_value", "max_value", "max_string_length")
        },
    )
    quantity = serializers.IntegerField()


# Documentation only: orders.services checks both and answers with the customer's message
# (and which payment methods a store offers depends on the store).
@extend_schema_field({"type": "string", "pattern": PINCODE_RE.pattern, "example": "560001"})
class PincodeField(serializers.CharField):
    pass


@extend_schema_field(
    {
        "type": "string",
        # A pattern, not an enum: the order's own `payment_method` enum already has the name.
        "pattern": "^(" + "|".join(PaymentMethod.values) + ")$",
        "description": "cod always; upi when the store has a UPI id; gateway when online payment is on.",
    }
)
class PaymentMethodField(serializers.CharField):
    pass


class PlaceOrderSerializer(serializers.Serializer):
    customer_name = serializers.CharField(max_length=120)
    customer_phone = serializers.CharField(max_length=32)
    address = serializers.CharField(max_length=500)
    pincode = PincodeField(max_length=6)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    payment_method = PaymentMethodField(max_length=10)
    items = OrderItemInputSerializer(many=True, allow_empty=True)
    coupon = serializers.CharField(
        max_length=60, required=False, allow_blank=True, help_text="A coupon code."
    )


class QuoteRequestSerializer(serializers.Serializer):
    """The order body of POST .../orders/; only the items and the payment method are priced."""

    customer_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    customer_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    pincode = serializers.CharField(max_length=6, required=False, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    payment_method = PaymentMethodField(max_length=10)
    items = OrderItemInputSerializer(many=True, allow_empty=True)
    coupon = serializers.CharField(
        max_length=60, required=False, allow_blank=True, help_text="A coupon code."
    )


class QuoteSerializer(serializers.Serializer):
    """The breakdown of SPEC section 7: what the order would cost, part by part."""

    subtotal = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount = serializers.DecimalField(max_digits=14, decimal_places=2)
    delivery_fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    charges = ChargeSerializer(many=True)
    tax = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    coupon = serializers.CharField(allow_null=True, help_text="The code of the coupon applied, or null.")


class OrderUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)
    tracking_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    shipping_provider = serializers.CharField(max_length=100, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)

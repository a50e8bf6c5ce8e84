"""The dashboard's coupon form: text in, the service (coupons/services.py) decides what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coupons.models import CouponKind

MONEY = {"inputmode": "decimal", "autocomplete": "off"}


class CouponForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=30,
        help_text=_("What shoppers type at checkout, e.g. DIWALI10 (any case)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    kind = forms.ChoiceField(
        label=_("Gives"), choices=[(value, _(label)) for value, label in CouponKind.choices]
    )
    value = forms.CharField(
        label=_("Percent or rupees off"),
        required=False,
        widget=forms.TextInput(attrs=MONEY),
        help_text=_("Leave empty for free delivery."),
    )
    max_discount = forms.CharField(
        label=_("At most ₹ off (percent coupons, optional)"),
        required=False,
        widget=forms.TextInput(attrs=MONEY),
    )
    min_order = forms.CharField(
        label=_("Minimum order ₹ (optional)"), required=False, widget=forms.TextInput(attrs=MONEY)
    )
    starts_at = forms.DateTimeField(
        label=_("Starts (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    expires_at = forms.DateTimeField(
        label=_("Ends (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    usage_limit = forms.IntegerField(
        label=_("Orders in all (optional)"), required=False, min_value=1, max_value=1_000_000
    )
    per_customer_limit = forms.IntegerField(
        label=_("Orders per customer (optional)"), required=False, min_value=1, max_value=1_000_000
    )
    is_active = forms.BooleanField(label=_("On"), required=False, initial=True)

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orders.services import CustomerDetails, clean_customer


class CheckoutForm(forms.Form):
    customer_name = forms.CharField(
        label=_("Your name"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    customer_phone = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label=_("Delivery address"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
    )
    pincode = forms.CharField(
        label=_("PIN code"),
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "pattern": "[1-9][0-9]{5}", "autocomplete": "postal-code"}
        ),
    )
    note = forms.CharField(
        label=_("Note for the seller (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    payment_method = forms.ChoiceField(label=_("Payment"), widget=forms.RadioSelect)
    coupon = forms.CharField(
        label=_("Coupon code (optional)"),
        required=False,
        max_length=30,
        # Rendered in the order summary, outside the <form> element but submitted with it.
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "form": "checkout-form"}
        ),
    )
    checkout_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, payment_methods: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payment_method"].choices = list(payment_methods.items())
        # One method is always chosen: an empty choice only ever produced an error on submit.
        if payment_methods:
            self.fields["payment_method"].initial = next(iter(payment_methods))
        self.customer: CustomerDetails | None = None

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors:
            try:
                self.customer = clean_customer(
                    name=data.get("customer_name"),
                    phone=data.get("customer_phone"),
                    address=data.get("address"),
                    pincode=data.get("pincode"),
                    note=data.get("note", ""),
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return data

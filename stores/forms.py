"""Forms of the seller dashboard. They only shape input; the rules live in stores.services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dukaan.i18n import interpolate_lazy
from stores import otp
from stores.models import Language
from stores.phone import MAX_PHONE_INPUT_LENGTH, normalize_phone
from stores.services import DESCRIPTION_MAX_LENGTH, STORE_NAME_MAX_LENGTH


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=MAX_PHONE_INPUT_LENGTH,
        error_messages={
            "required": _("Enter your mobile number."),
            "max_length": _("Enter a valid mobile number, e.g. 98765 43210."),
        },
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "inputmode": "tel",
                "autocomplete": "tel",
                "placeholder": "98765 43210",
                "autofocus": True,
            }
        ),
        help_text=_("We will send a 6-digit code by SMS. Outside India? Start with + and the country code."),
    )

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])


class OtpForm(forms.Form):
    otp = forms.CharField(
        label=_("6-digit code"),
        max_length=20,
        error_messages={
            "required": _("Enter the 6-digit code from the SMS."),
            "max_length": _("Enter the 6-digit code from the SMS."),
        },
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": r"[0-9 ]*",
                "placeholder": "123456",
                "autofocus": True,
            }
        ),
    )

    def clean_otp(self) -> str:
        digits = otp.clean_code_input(self.cleaned_data["otp"])
        if digits is None:
            raise ValidationError(gettext("Enter the 6-digit code from the SMS."))
        return digits


_NAME_TOO_LONG = interpolate_lazy(
    _("Keep the store name to %(max)d characters."), {"max": STORE_NAME_MAX_LENGTH}
)


class StoreCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Store name"),
        max_length=STORE_NAME_MAX_LENGTH,
        error_messages={
            "required": _("Enter a name for your store."),
            "max_length": _NAME_TOO_LONG,
        },
        widget=forms.TextInput(attrs={"placeholder": "Asha's Kitchen", "autofocus": True}),
        help_text=_("Your link is made from it. You can change the name later; the link stays."),
    )


class StoreSettingsForm(forms.Form):
    name = forms.CharField(
        label=_("Store name"),
        max_length=STORE_NAME_MAX_LENGTH,
        error_messages={
            "required": _("Enter a name for your store."),
            "max_length": _NAME_TOO_LONG,
        },
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A line or two shoppers see under your store name."),
    )
    whatsapp_number = forms.CharField(
        label=_("WhatsApp number"),
        required=False,
        max_length=MAX_PHONE_INPUT_LENGTH,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "placeholder": "98765 43210"}),
        help_text=_("Shoppers can message you here about orders."),
    )
    upi_id = forms.CharField(
        label=_("UPI id"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "shopname@okaxis", "autocapitalize": "none"}),
        help_text=_("Payments by UPI go to this id."),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        help_text=_("A square JPEG or PNG under 2 MB looks best."),
    )
    is_active = forms.BooleanField(
        label=_("Store is open (visible to shoppers)"),
        required=False,
    )
    # Not required: a post without them (an older page, a script) keeps the saved choice.
    language = forms.ChoiceField(
        label=_("Language of your store's pages"),
        choices=Language.choices,
        required=False,
        help_text=_("What shoppers see: buttons, cart and checkout. Your own texts stay as you wrote them."),
    )
    dashboard_language = forms.ChoiceField(
        label=_("Language of your dashboard"),
        choices=Language.choices,
        required=False,
    )


_MONEY_INPUT = {"inputmode": "decimal", "autocomplete": "off"}


class DeliveryForm(forms.Form):
    """Delivery fees and GST as text; stores/services/store_settings.py checks the values."""

    delivery_fee = forms.CharField(label=_("Delivery fee (₹)"), widget=forms.TextInput(attrs=_MONEY_INPUT))
    free_delivery_above = forms.CharField(
        label=_("Free delivery on orders of (₹, optional)"),
        required=False,
        widget=forms.TextInput(attrs=_MONEY_INPUT),
        help_text=_("Leave empty if delivery is never free."),
    )
    delivery_fee_online = forms.CharField(
        label=_("Delivery fee when paid online (₹, optional)"),
        required=False,
        widget=forms.TextInput(attrs=_MONEY_INPUT),
        help_text=_("For UPI and card payments; empty: the same fee."),
    )
    gstin = forms.CharField(
        label=_("GSTIN (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    gst_percent = forms.CharField(
        # xgettext:no-python-format
        label=_("GST % on the goods"),
        widget=forms.TextInput(attrs=_MONEY_INPUT),
        help_text=_("0 for no GST."),
    )


class ChargeForm(forms.Form):
    name = forms.CharField(label=_("Charge"), max_length=60, help_text=_("e.g. Packing"))
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("flat", _("₹ per order")),
            # xgettext:no-python-format
            ("percent", _("% of the goods")),
        ],
        initial="flat",
    )
    amount = forms.CharField(label=_("Amount"), widget=forms.TextInput(attrs=_MONEY_INPUT))

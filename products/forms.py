"""Dashboard forms: they parse text into types; products/services.py decides what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from products.models import MAX_PRICE, MAX_STOCK, Category
from products.prices import price_messages
from products.services import CATEGORY_NAME_MAX, DESCRIPTION_MAX, NAME_MAX
from stores.models import Store


class PhotoInput(forms.FileInput):
    """A photo picker: on a phone it offers the camera and the gallery.

    No `capture` attribute: on Android it forces the camera and hides photos already taken.
    """

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs={"accept": "image/jpeg,image/png,image/webp,image/*", **(attrs or {})})


def money_field(label, *, error_label, required: bool = True, help_text: str = "") -> forms.DecimalField:
    """Rupees with paise, typed on a phone's decimal keypad; refused with products.prices' words."""
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_value=MAX_PRICE,
        max_digits=12,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0.01"}),
        error_messages=price_messages(error_label),
    )


def stock_field(label, *, help_text: str = "", placeholder: str | None = None) -> forms.IntegerField:
    """Units in stock, empty for unlimited."""
    attrs = {"inputmode": "numeric", "min": "0"}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=MAX_STOCK,
        help_text=help_text,
        widget=forms.NumberInput(attrs=attrs),
        error_messages={"invalid": _("Enter a whole number, or leave it empty for unlimited.")},
    )


class ProductForm(forms.Form):
    field_order = ["name", "price", "mrp", "image", "remove_image", "description", "category", "stock"]

    name = forms.CharField(
        label=_("Name"), max_length=NAME_MAX, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    price = money_field(_("Price (₹)"), error_label=_("Price"))
    mrp = money_field(
        _("MRP (₹, optional)"),
        error_label=_("MRP"),
        required=False,
        help_text=_("Shown struck through when it is above the price."),
    )
    image = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=PhotoInput,
        help_text=_("JPEG, PNG or WebP, up to 10 MB. Take one with your phone's camera."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label=_("No category")
    )
    stock = stock_field(_("Stock"), help_text=_("Leave empty if you do not count stock (unlimited)."))
    is_active = forms.BooleanField(label=_("Visible in the store"), required=False, initial=True)
    remove_image = forms.BooleanField(label=_("Remove the current photo"), required=False)

    def __init__(
        self, *args, store: Store, has_photo: bool = False, has_variants: bool = False, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        if has_variants:
            # Each size or colour has its own price and stock (the Sizes and colours page).
            for name in ("price", "mrp", "stock"):
                del self.fields[name]
        if has_photo:
            self.fields["image"].label = gettext("Replace the photo")
        else:
            del self.fields["remove_image"]
        self.fields["category"].queryset = Category.objects.filter(store=store).order_by("position", "id")
        self.fields["category"].error_messages["invalid_choice"] = gettext(
            "Choose one of your store's categories."
        )


class CategoryForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=CATEGORY_NAME_MAX, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class VariantChoicesForm(forms.Form):
    """ "Size: S, M, L" (and optionally "Colour: Red, Blue"): a variant for every combination."""

    option_1 = forms.CharField(label=_("Option"), max_length=30, required=False)
    values_1 = forms.CharField(
        label=_("Choices, separated by commas"),
        max_length=1000,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("S, M, L")}),
    )
    option_2 = forms.CharField(label=_("Second option (optional)"), max_length=30, required=False)
    values_2 = forms.CharField(
        label=_("Its choices, separated by commas"),
        max_length=1000,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Red, Blue")}),
    )
    price = money_field(
        _("Price of each (₹, optional)"),
        error_label=_("Price"),
        required=False,
        help_text=_("Leave empty to sell them at the product's price; change any of them below."),
    )
    stock = stock_field(
        _("Stock of each (optional)"), help_text=_("Leave empty if you do not count stock (unlimited).")
    )

    def __init__(self, *args, option_names: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.option_names = option_names
        # A product that has variants already keeps its options: only new choices are asked for.
        for index, name in enumerate(option_names[:2], start=1):
            field = self.fields[f"option_{index}"]
            field.initial = name
            field.widget.attrs["readonly"] = True
        if len(option_names) == 1:
            del self.fields["option_2"], self.fields["values_2"]
        if not option_names:
            self.fields["option_1"].initial = gettext("Size")

    def choices(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        rows = []
        for index in (1, 2):
            if f"option_{index}" not in self.fields:
                continue
            name = (
                self.option_names[index - 1] if len(self.option_names) >= index else data[f"option_{index}"]
            )
            rows.append((name, data[f"values_{index}"]))
        return rows


class VariantRowForm(forms.Form):
    """One row of the stock table: a variant's price, stock and whether it is on sale."""

    price = money_field(_("Price (₹)"), error_label=_("Price"))
    stock = stock_field(_("Stock"), placeholder="∞")
    is_active = forms.BooleanField(label=_("On sale"), required=False)

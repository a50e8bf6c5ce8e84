"""Dashboard forms: they parse text into types; products/services.py decides what is allowed."""

from __future__ import annotations

from django import forms

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


class ProductForm(forms.Form):
    field_order = ["name", "price", "mrp", "image", "remove_image", "description", "category", "stock"]

    name = forms.CharField(max_length=NAME_MAX, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    price = forms.DecimalField(
        label="Price (₹)",
        min_value=0,
        max_value=MAX_PRICE,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0.01"}),
        error_messages=price_messages("Price"),
    )
    mrp = forms.DecimalField(
        label="MRP (₹, optional)",
        required=False,
        min_value=0,
        max_value=MAX_PRICE,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0.01"}),
        help_text="Shown struck through when it is above the price.",
        error_messages=price_messages("MRP"),
    )
    image = forms.FileField(
        label="Photo",
        required=False,
        widget=PhotoInput,
        help_text="JPEG, PNG or WebP, up to 10 MB. Take one with your phone's camera.",
    )
    description = forms.CharField(
        required=False, max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.none(), required=False, empty_label="No category"
    )
    stock = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_STOCK,
        help_text="Leave empty if you do not count stock (unlimited).",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "0"}),
        error_messages={"invalid": "Enter a whole number, or leave it empty for unlimited."},
    )
    is_active = forms.BooleanField(label="Visible in the store", required=False, initial=True)
    remove_image = forms.BooleanField(label="Remove the current photo", required=False)

    def __init__(self, *args, store: Store, has_photo: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        if has_photo:
            self.fields["image"].label = "Replace the photo"
        else:
            del self.fields["remove_image"]
        self.fields["category"].queryset = Category.objects.filter(store=store).order_by("position", "id")
        self.fields["category"].error_messages["invalid_choice"] = "Choose one of your store's categories."


class CategoryForm(forms.Form):
    name = forms.CharField(
        max_length=CATEGORY_NAME_MAX, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )

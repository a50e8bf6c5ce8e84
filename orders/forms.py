from __future__ import annotations

from django import forms

from orders.models import OrderStatus


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=OrderStatus.choices)
    tracking_id = forms.CharField(required=False, max_length=100)
    shipping_provider = forms.CharField(required=False, max_length=100)
    reason = forms.CharField(required=False, max_length=500)

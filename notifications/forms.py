"""The dashboard's notification choices: one checkbox per kind. The rules live in the service."""

from __future__ import annotations

from django import forms

from notifications.models import PREFERENCE_FIELDS, NotificationSettings


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = list(PREFERENCE_FIELDS)

"""The alerts app."""

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Alerts recorded by the form, the webhook and the bot."""

    name = "alerts"

"""URLs: the alert form, the webhook relay."""

from alerts import views
from django.urls import path

urlpatterns = [
    path("", views.alert_form, name="alert-form"),
    path("webhook", views.webhook, name="webhook"),
]

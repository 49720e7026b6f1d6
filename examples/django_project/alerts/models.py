"""One model: an alert, whoever raised it."""

from django.db import models


class Alert(models.Model):
    """An alert: its text, who it goes to (or came from) and where it was raised."""

    SOURCES = (("form", "form"), ("webhook", "webhook"), ("chat", "chat"))

    text = models.TextField()
    recipient = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=16, choices=SOURCES)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"#{self.pk} [{self.source}] {self.text[:50]}"

"""The Django app config: add ``"trueconf_sync.contrib.django"`` to ``INSTALLED_APPS``."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed


def _reset_client(*, setting: str, **_: Any) -> None:
    if setting == "TRUECONF":
        from . import close_client

        close_client(timeout=2.0)


def check_trueconf_settings(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    """System check ``trueconf_sync.W001``: ``settings.TRUECONF`` builds a client (nothing connects).

    A warning, not an error, so ``migrate`` and friends still run without TrueConf settings.
    """
    from . import check_settings

    try:
        check_settings()
    except ImproperlyConfigured as exc:
        return [checks.Warning(str(exc), id="trueconf_sync.W001")]
    return []


class TrueConfConfig(AppConfig):
    """Registers the ``TRUECONF`` system check, the ``trueconf_bot`` command, and resets the
    client when a test overrides ``TRUECONF``."""

    name = "trueconf_sync.contrib.django"
    label = "trueconf_sync"
    verbose_name = "TrueConf"

    def ready(self) -> None:
        """Connect the settings-changed receiver and register the system check."""
        setting_changed.connect(_reset_client, dispatch_uid="trueconf_sync.reset_client")
        checks.register(check_trueconf_settings)

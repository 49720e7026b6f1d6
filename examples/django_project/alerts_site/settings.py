"""Settings of the example project; the TrueConf ones come from environment variables."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-a-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "trueconf_sync.contrib.django",
    "alerts",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "alerts_site.urls"
WSGI_APPLICATION = "alerts_site.wsgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_DB", str(BASE_DIR / "db.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# TrueConf: any Client argument, in upper case. Credentials: a token, or username and password.
TRUECONF = {
    "SERVER": os.environ.get("TRUECONF_SERVER", "video.example.com"),
    "TIMEOUT": 10,
    "HANDLERS": ["alerts.bot.setup"],  # what `python manage.py trueconf_bot` runs
}
if os.environ.get("TRUECONF_TOKEN"):
    TRUECONF["TOKEN"] = os.environ["TRUECONF_TOKEN"]
else:
    TRUECONF["USERNAME"] = os.environ.get("TRUECONF_USERNAME", "alert_bot")
    TRUECONF["PASSWORD"] = os.environ.get("TRUECONF_PASSWORD", "")

# The example's own settings: who gets the alerts, and the webhook's shared secret.
ALERT_TO = os.environ.get("ALERT_TO", "")
WEBHOOK_SECRET = os.environ.get("WEBHOOK_SECRET", "")

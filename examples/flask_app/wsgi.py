"""WSGI entry point: ``gunicorn -w 2 --threads 8 wsgi:app`` (run from this folder)."""

from flask_alerts import create_app

app = create_app()

"""Integrations for the places this library is used from: Jupyter, Flask and Django.

Each submodule imports its framework, so import only the one you use; ``import trueconf_sync``
never imports any of them. Flask and Django are optional (extras ``flask`` and ``django``).

* :mod:`trueconf_sync.contrib.jupyter` -- a notebook client that re-running a cell replaces.
* :mod:`trueconf_sync.contrib.flask` -- the ``TrueConf(app)`` extension.
* :mod:`trueconf_sync.contrib.django` -- ``TRUECONF`` settings, ``get_client()``, ``send_on_commit()``
  and ``python manage.py trueconf_bot``.
"""

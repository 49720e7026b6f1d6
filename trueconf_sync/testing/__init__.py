"""In-process fake TrueConf Server for tests (needs the ``testing`` extra: aiohttp)."""

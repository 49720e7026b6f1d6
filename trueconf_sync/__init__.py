"""trueconf_sync: a synchronous, threaded client for the TrueConf Server Chatbot Connector API."""

__version__ = "0.1.0"

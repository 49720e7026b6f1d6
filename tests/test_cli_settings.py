"""Settings of the command line, merged from flags, environment and config file (no server needed)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from trueconf_sync.cli import ExitCode, Redactor, UsageError, classify, load_settings
from trueconf_sync.errors import ApiError, AuthError, ConnectionLostError, ProtocolError, RequestTimeoutError

#: No user config file may leak into these tests.
NO_FILE = {"XDG_CONFIG_HOME": "/nonexistent/trueconf-sync-tests"}


def _config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.ini"
    path.write_text(text)
    path.chmod(0o600)
    return str(path)


def test_precedence_flag_env_file_default(tmp_path: Path) -> None:
    config = _config(tmp_path, "[trueconf]\nserver = file.example\nport = 1111\nhttps = off\ntimeout = 3\n")
    env = {"TRUECONF_PORT": "2222", "TRUECONF_VERIFY": "false"}
    settings = load_settings({"port": "3333"}, env, config=config)
    assert (settings.server, settings.port, settings.https, settings.verify, settings.timeout) == (
        "file.example", 3333, False, False, 3.0)
    assert settings.origin["port"] == "--port" and settings.origin["server"].endswith("[trueconf] server")
    settings = load_settings({}, env, config=config)
    assert settings.port == 2222 and settings.origin["port"] == "TRUECONF_PORT"
    settings = load_settings({}, {"XDG_CONFIG_HOME": str(tmp_path / "none")})
    assert (settings.server, settings.port, settings.https, settings.verify) == (None, None, True, True)


def test_default_config_path_is_optional(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert load_settings({}, env).server is None
    (tmp_path / "trueconf-sync").mkdir()
    (tmp_path / "trueconf-sync" / "config.ini").write_text("[trueconf]\nserver = from.default\n")
    assert load_settings({}, env).server == "from.default"


def test_credentials_chosen_as_a_group_by_precedence(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("tok-from-file\n")
    env = {"TRUECONF_USERNAME": "bot", "TRUECONF_PASSWORD": "pw-env"}
    settings = load_settings({"token_file": str(token_file)}, {**NO_FILE, **env})
    assert settings.credentials() == {"token": "tok-from-file"} and settings.username is None
    settings = load_settings({"username": "other"}, {**NO_FILE, "TRUECONF_TOKEN": "tok-env", "TRUECONF_PASSWORD": "pw"})
    assert settings.credentials() == {"username": "other", "password": "pw"} and settings.token is None
    both = load_settings({}, {**NO_FILE, "TRUECONF_TOKEN": "tok", **env})
    assert both.credentials() == {"token": "tok"}
    assert both.credentials(password_only=True) == {"username": "bot", "password": "pw-env"}
    with pytest.raises(UsageError, match="no credentials"):
        load_settings({}, NO_FILE).credentials()
    with pytest.raises(UsageError, match="TRUECONF_PASSWORD"):
        load_settings({"username": "bot"}, NO_FILE).credentials()


def test_secrets_stay_out_of_reprs_and_messages(tmp_path: Path) -> None:
    settings = load_settings({}, {**NO_FILE, "TRUECONF_TOKEN": "tok-SECRET", "TRUECONF_PASSWORD": "pw-SECRET",
                                  "TRUECONF_USERNAME": "bot"})
    assert "SECRET" not in repr(settings)
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(UsageError, match="is empty"):
        load_settings({"password_file": str(empty)}, NO_FILE)


@pytest.mark.parametrize(("env", "match"), [
    ({"TRUECONF_PORT": "70000"}, "TRUECONF_PORT must be a port"),
    ({"TRUECONF_HTTPS": "perhaps"}, "TRUECONF_HTTPS must be true or false"),
    ({"TRUECONF_TIMEOUT": "-1"}, "TRUECONF_TIMEOUT must be a number of seconds"),
    ({"TRUECONF_VERIFY": "/no/such/ca.pem"}, "TRUECONF_VERIFY: CA bundle"),
])
def test_bad_values_name_their_source(env: dict[str, str], match: str) -> None:
    with pytest.raises(UsageError, match=match):
        load_settings({}, {**NO_FILE, **env})


def test_redactor_masks_secrets_in_text_and_log_records() -> None:
    redact = Redactor(["s3cr3t-value", "ab"])  # too-short values are not masked (they would hit words)
    assert redact("token s3cr3t-value, about") == "token ***, about"
    record = logging.LogRecord("trueconf_sync", logging.INFO, __file__, 1, "auth with %s", ("s3cr3t-value",), None)
    assert redact.filter(record) and record.getMessage() == "auth with ***"


@pytest.mark.parametrize(("exc", "code"), [
    (AuthError(201), ExitCode.AUTH),
    (ApiError(304), ExitCode.SERVER),
    (ProtocolError("garbage"), ExitCode.SERVER),
    (ConnectionLostError("refused"), ExitCode.NETWORK),
    (RequestTimeoutError("slow"), ExitCode.TIMEOUT),
    (UsageError("bad"), ExitCode.USAGE),
    (ValueError("text too long"), ExitCode.USAGE),
    (KeyboardInterrupt(), ExitCode.INTERRUPTED),
    (RuntimeError("bug"), ExitCode.FAILURE),
])
def test_exit_code_for_each_failure(exc: BaseException, code: ExitCode) -> None:
    assert classify(exc)[0] == code

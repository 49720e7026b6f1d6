"""The demo (issue 14 item 11) shows text, Markdown, a reply, files both ways, buttons and a click.

Run in-process (the output goes to a StringIO); the process-level cases (exit code, ``| head -3``)
are in test_cli.py and test_missing_extras.py.
"""

from __future__ import annotations

import io
import re

import pytest

pytest.importorskip("aiohttp")

from trueconf_sync.cli.demo import run_demo


@pytest.fixture(scope="module")
def demo_output() -> str:
    out = io.StringIO()
    assert run_demo(out) == 0, out.getvalue()
    return out.getvalue()


def _line(output: str, pattern: str) -> str:
    found = [line for line in output.splitlines() if re.search(pattern, line)]
    assert found, f"no line matches {pattern!r} in:\n{output}"
    return found[0]


def test_text_and_its_echo(demo_output: str) -> None:
    assert _line(demo_output, r"alice -> bot\s+Hello, bot!$")
    assert _line(demo_output, r'bot -> alice\s+You said: Hello, bot!  \(reply to "Hello, bot!"\)')


def test_markdown_keeps_its_parse_mode(demo_output: str) -> None:
    assert _line(demo_output, r"bot -> alice\s+You said: This is \*\*markdown\*\*.*\[markdown\]")


def test_a_reply(demo_output: str) -> None:
    assert _line(demo_output, r'alice -> bot\s+And this answers my first message  \(reply to "Hello, bot!"\)')


def test_files_both_ways(demo_output: str) -> None:
    assert _line(demo_output, r"alice -> bot\s+\[file disks\.csv, 38 bytes\]")
    assert _line(demo_output, r"bot -> alice\s+Got disks\.csv: 3 rows")  # the bot really read the file
    assert _line(demo_output, r"bot -> alice\s+\[file sorted\.csv, 38 bytes\]")


def test_buttons_and_a_click(demo_output: str) -> None:
    assert _line(demo_output, r"bot -> alice\s+Deploy build-42 to production\?  \[buttons: Approve \| Cancel\]")
    assert _line(demo_output, r"alice clicks\s+\[Approve\]")
    assert _line(demo_output, r"bot -> alice\s+Deploying build-42\.\.\.")  # custom_data came with the click
    assert _line(demo_output, r"\(bot edited\)\s+.*Approved\.  \[no buttons now\]")


def test_the_steps_come_in_order_and_the_history_is_complete(demo_output: str) -> None:
    steps = [int(match) for match in re.findall(r"^(\d)\. ", demo_output, flags=re.MULTILINE)]
    assert steps == [1, 2, 3, 4, 5]
    assert demo_output.startswith("Fake TrueConf server listening at http://127.0.0.1:")
    assert "client.iter_history(): 12 messages" in demo_output  # 5 by alice, 7 by the bot
    assert re.search(r"Demo finished in \d+\.\d s\.\n$", demo_output)

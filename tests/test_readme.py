"""The README's Quickstart: two commands, and the text after it says how to serve on another port."""

import re
from pathlib import Path

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def quickstart():
    return README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]


def test_the_quickstart_is_two_commands():
    block = re.search(r"```sh\n(.*?)```", quickstart(), re.S).group(1)
    assert [line.split()[:2] for line in block.strip().splitlines()] == [["make", "run"], ["make", "test"]]


def test_it_says_make_demo_needs_the_same_port_as_make_run():
    text = " ".join(quickstart().split("```")[-1].split())
    assert "make run PORT=8001" in text
    assert "make demo PORT=8001" in text

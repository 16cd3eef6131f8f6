"""docs/usage.md documents every option of the commands the library defines."""
from __future__ import annotations

import argparse
from pathlib import Path

from m2s_gen import cli

USAGE = (Path(__file__).resolve().parents[1] / "docs" / "usage.md").read_text()


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {flag for action in parser._actions for flag in action.option_strings
            if flag.startswith("--") and flag != "--help"}


def test_every_option_is_documented():
    parser = cli.get_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    missing = [f"m2s {name} {flag}" for name in ("upmix", "stream", "live")
               for flag in sorted(_options(commands[name])) if f"`{flag}" not in USAGE]
    assert missing == []

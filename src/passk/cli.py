"""The ``passk`` command line.

Each subcommand lives in its own module under ``passk.commands`` and registers itself; user
errors (``PasskError``) are printed as one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from passk.errors import PasskError

COMMAND_MODULES = [
    "passk.commands.verify_math",
    "passk.commands.pass_at_k",
    "passk.commands.verify_code",
    "passk.commands.tiny_model",
    "passk.commands.check_models",
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(prog="passk", description="Unbiased pass@k and the reasoning boundary of LLMs.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``passk`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except PasskError as exc:
        print(f"passk: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

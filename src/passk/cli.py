"""The ``passk`` command line.

Each subcommand lives in its own module under ``passk.commands`` and registers itself; user
errors (``PasskError``) are printed as one line and exit with status 2, faults of the verifier
itself (``VerifierError``) with status 3.
"""

from __future__ import annotations

import argparse
import sys

from passk.commands import check_models, pass_at_k, tiny_model, verify_code, verify_math
from passk.errors import PasskError, VerifierError

COMMANDS = (verify_math, pass_at_k, verify_code, tiny_model, check_models)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(prog="passk", description="Unbiased pass@k and the reasoning boundary of LLMs.")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
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
    except VerifierError as exc:
        print(f"passk: verifier fault (no verdicts written): {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())

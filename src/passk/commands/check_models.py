"""``passk check-models MANIFEST...``: re-hash model snapshots against their manifests."""

from __future__ import annotations

import argparse

from passk.models.manifest import check_model_files


def run(args: argparse.Namespace) -> int:
    """Re-hash each manifest's files; a changed or missing file raises a PasskError naming it."""
    for manifest in args.manifests:
        checked = check_model_files(manifest)
        print(f"{manifest}: {len(checked)} files ok")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``check-models`` subcommand."""
    parser = subparsers.add_parser("check-models", help="re-hash model snapshots against their manifests (resources/models/*/manifest.json)")
    parser.add_argument("manifests", nargs="+", help="manifest.json files written by the get_model rule")
    parser.set_defaults(func=run)

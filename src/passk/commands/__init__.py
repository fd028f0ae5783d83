"""Subcommands of the ``passk`` command line; each module exposes ``register(subparsers)``."""

"""The ``passk`` command's subcommands, one module each (each has ``register(subparsers)``)."""

"""User-facing errors.

Every error that a user can cause with a bad file or config value is a ``PasskError`` whose
message names the file, the line or the config key, so it can be fixed without reading a
traceback. Scripts and the CLI print the message alone.
"""

from __future__ import annotations


class PasskError(Exception):
    """An error in user input (config, data file, sample file) with a precise location."""


class ConfigError(PasskError):
    """A config value is missing, of the wrong type or inconsistent; the message names its key path."""


class DataError(PasskError):
    """A data or sample file is missing, truncated or malformed; the message names the file and line."""


class VerifierError(Exception):
    """A fault of the verifier itself (a sandbox that cannot start, a canonical solution that fails
    its own tests, a crash): it stops the job with its cause and is never written as a verdict.

    Not a ``PasskError``: nothing in the user's input is wrong, so the message names what failed
    and the job fails loudly rather than counting the samples as wrong answers.
    """

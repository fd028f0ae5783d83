"""Start a Python script inside a sandbox and read its JSON-lines report: the one harness launcher.

Every benchmark family's in-sandbox harness (and the fork server) is a stdlib-only script shipped
in as a file and run by the sandbox's own interpreter. This module is the single place that
builds that command line and parses what comes back, so no family starts programs its own way.
"""

from __future__ import annotations

import json
from typing import Any

from passk.sandbox.base import RunResult, Sandbox, SandboxLimits

# -I: ignore the environment and the user site; -S: no site-packages unless the harness adds them
# itself (the families pass the sandbox's site list); -B: write no bytecode into the scratch space.
ISOLATED = ("-I", "-S", "-B")


def run_script(
    sandbox: Sandbox,
    script: str,
    *,
    files: dict[str, bytes],
    limits: SandboxLimits,
    stdin: bytes = b"",
    flags: tuple[str, ...] = ISOLATED,
    collect: tuple[str, ...] = (),
    idle_seconds: float | None = None,
    as_pid1: bool = False,
) -> RunResult:
    """Run ``python <flags> <script>`` in ``sandbox``; ``script`` must be one of ``files``."""
    if script not in files:
        raise ValueError(f"{script} is not among the files shipped into the sandbox")
    python = getattr(sandbox, "python", None) or "python3"
    return sandbox.run([python, *flags, script], files=files, stdin=stdin, limits=limits, collect=collect,
                       idle_seconds=idle_seconds, as_pid1=as_pid1)


def json_lines(data: bytes) -> list[dict[str, Any]]:
    """The JSON objects among the lines of ``data`` (other lines are skipped: a program may print)."""
    lines = []
    for raw in data.splitlines():
        try:
            obj = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(obj, dict):
            lines.append(obj)
    return lines

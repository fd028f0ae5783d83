"""Sandboxed execution of untrusted programs (bwrap, docker, process) behind one interface.

See ``passk.sandbox.base`` for the interface. ``get_sandbox(name, **options)`` is the only way the
rest of passk picks a backend, so that an unavailable backend is always the same clear
``ConfigError`` naming ``sandbox.backend`` — never a silent fallback to weaker isolation.
"""

from __future__ import annotations

import importlib
from typing import Any

from passk.errors import ConfigError
from passk.sandbox.base import RunResult, Sandbox, SandboxLimits

BACKENDS: dict[str, str] = {
    "bwrap": "passk.sandbox.bwrap:BwrapSandbox",
    "docker": "passk.sandbox.docker:DockerSandbox",
    "process": "passk.sandbox.process:ProcessSandbox",
}

__all__ = ["BACKENDS", "RunResult", "Sandbox", "SandboxLimits", "backend_class", "get_sandbox"]


def backend_class(name: str) -> type[Sandbox]:
    """The class of a backend by its config name (``ConfigError`` for an unknown name)."""
    if name not in BACKENDS:
        raise ConfigError(f"sandbox.backend: unknown backend {name!r}; choose one of {sorted(BACKENDS)}")
    module, cls = BACKENDS[name].split(":")
    return getattr(importlib.import_module(module), cls)


def get_sandbox(name: str, **options: Any) -> Sandbox:
    """An instance of backend ``name``; raises ``ConfigError`` (naming ``sandbox.backend``) if it cannot run here."""
    cls = backend_class(name)
    ok, why = cls.available()
    if not ok:
        raise ConfigError(f"sandbox.backend: backend {name!r} is not available on this machine: {why}")
    try:
        return cls(**options)
    except TypeError as exc:
        raise ConfigError(f"sandbox: bad option for backend {name!r}: {exc}") from None

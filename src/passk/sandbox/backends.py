"""The sandbox backends by config name, and the one way to get one that works on this machine."""

from __future__ import annotations

from typing import Any

from passk.errors import ConfigError
from passk.sandbox.base import Sandbox
from passk.sandbox.bwrap import BwrapSandbox
from passk.sandbox.docker import DockerSandbox
from passk.sandbox.process import ProcessSandbox

BACKENDS: dict[str, type[Sandbox]] = {"bwrap": BwrapSandbox, "docker": DockerSandbox, "process": ProcessSandbox}


def backend_class(name: str) -> type[Sandbox]:
    """The class of a backend by its config name (``ConfigError`` for an unknown name)."""
    if name not in BACKENDS:
        raise ConfigError(f"sandbox.backend: unknown backend {name!r}; choose one of {sorted(BACKENDS)}")
    return BACKENDS[name]


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

"""The config's ``sandbox`` section as one typed value, with the schema's defaults.

Every caller (the workflow's jobs, ``passk verify-code``, the benchmarks) builds its settings
here, so there is one set of defaults (``passk/schema.yaml``) and one limits type
(``SandboxLimits``, made by ``SandboxSettings.limits``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from passk.errors import ConfigError
from passk.sandbox.backends import get_sandbox
from passk.sandbox.base import Sandbox, SandboxLimits
from passk.schema import section_defaults, section_keys


@dataclass(frozen=True)
class SandboxSettings:
    """The ``sandbox:`` config section (see ``passk/schema.yaml`` for each key's meaning)."""

    backend: str
    memory_mb: int
    max_processes: int
    scratch_mb: int
    max_output_bytes: int
    max_file_bytes: int
    min_time_limit: float
    time_limit_factor: float
    timeout_per_task: float
    startup_slack: float
    python: str | None
    site_packages: tuple[str, ...] | None
    docker_image: str
    groundtruth_workers: int
    batch_size: int

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None = None) -> SandboxSettings:
        """The schema's defaults overlaid with ``section``; an unknown key is a ConfigError naming it.

        ``site_packages`` may be one path (a string) or a list of paths.
        """
        section = dict(section or {})
        unknown = sorted(set(section) - set(section_keys("sandbox")))
        if unknown:
            raise ConfigError(f"config key sandbox: unknown keys {unknown}; known: {sorted(section_keys('sandbox'))}")
        values = {**section_defaults("sandbox"), **section}
        site = values["site_packages"]
        if isinstance(site, str):
            values["site_packages"] = (site,)
        elif site is not None:
            if not all(isinstance(p, str) for p in site):
                raise ConfigError(f"config key sandbox.site_packages: expected a path or a list of paths, got {site!r}")
            values["site_packages"] = tuple(site)
        fields = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in fields})

    def as_config(self) -> dict[str, Any]:
        """The settings as a plain config section (JSON-able; for cache keys and provenance)."""
        out = dataclasses.asdict(self)
        if out["site_packages"] is not None:
            out["site_packages"] = list(out["site_packages"])
        return out

    def limits(self, wall_seconds: float, **overrides: Any) -> SandboxLimits:
        """The limits of one run with wall-clock budget ``wall_seconds`` (``overrides`` replace fields)."""
        base = SandboxLimits(
            wall_seconds=float(wall_seconds),
            memory_mb=int(self.memory_mb),
            max_processes=int(self.max_processes),
            max_output_bytes=int(self.max_output_bytes),
            scratch_mb=int(self.scratch_mb),
            max_file_bytes=int(self.max_file_bytes),
        )
        return dataclasses.replace(base, **overrides) if overrides else base


def make_sandbox(settings: SandboxSettings) -> Sandbox:
    """The configured backend (ConfigError naming ``sandbox.backend`` when unavailable)."""
    opts: dict[str, Any] = {}
    if settings.python:
        opts["python"] = settings.python
    if settings.backend != "docker" and settings.site_packages is not None:
        opts["site_packages"] = settings.site_packages
    if settings.backend == "docker":
        opts["image"] = settings.docker_image
    return get_sandbox(settings.backend, **opts)

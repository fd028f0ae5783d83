"""The benchmark families by config name (``benchmarks.<name>.family``): the one registry."""

from __future__ import annotations

from passk.benchmarks.evalplus.family import FAMILY as EVALPLUS
from passk.benchmarks.livecodebench.family import FAMILY as LIVECODEBENCH
from passk.benchmarks.math.family import FAMILY as MATH
from passk.benchmarks.vision.family import FAMILY as VISION
from passk.errors import ConfigError
from passk.verify.family import Family

FAMILIES: dict[str, Family] = {family.name: family for family in (MATH, EVALPLUS, LIVECODEBENCH, VISION)}


def family(name: str) -> Family:
    """The family called ``name`` (ConfigError naming the config key for an unknown one)."""
    if name not in FAMILIES:
        raise ConfigError(f"config key benchmarks.*.family: unknown family {name!r}; known: {sorted(FAMILIES)}")
    return FAMILIES[name]

"""The config schema (``schema.yaml``, shipped with the package; ``config/schema.yaml`` links to it).

One file holds every config key's type and default. The workflow validates the whole config
against it; library code that runs without a config (``passk verify-code``, the sandbox) reads its
section defaults from it (``section_defaults``), so no default is written twice.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

SCHEMA_PATH = Path(__file__).with_name("schema.yaml")


@functools.cache
def _schema() -> dict[str, Any]:
    with open(SCHEMA_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_schema() -> dict[str, Any]:
    """The parsed schema (a copy: callers may not change the cached one)."""
    return copy.deepcopy(_schema())


def section_defaults(section: str) -> dict[str, Any]:
    """``{key: default}`` of a top-level config section's properties (keys without a default left out)."""
    props = _schema()["properties"][section].get("properties", {})
    return {key: copy.deepcopy(spec["default"]) for key, spec in props.items() if "default" in spec}


def section_keys(section: str) -> tuple[str, ...]:
    """Every key a top-level config section may hold."""
    return tuple(_schema()["properties"][section].get("properties", {}))


def figure_option_defaults(option: str) -> dict[str, Any]:
    """``{key: default}`` of a figure's option object (``figures.<name>.<option>``, e.g. ``review``)."""
    props = _schema()["properties"]["figures"]["additionalProperties"]["properties"][option].get("properties", {})
    return {key: copy.deepcopy(spec["default"]) for key, spec in props.items() if "default" in spec}

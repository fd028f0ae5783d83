"""The math family as the registry sees it."""

from passk.benchmarks.math import checker, prepare
from passk.verify.family import Family

FAMILY = Family(name="math", payload=("answer", str), prepare=prepare.prepare, sources=prepare.sources, verify=checker.verify)

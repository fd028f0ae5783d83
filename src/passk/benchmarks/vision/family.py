"""The visual math family as the registry sees it."""

from passk.benchmarks.vision import checker, prepare
from passk.verify.family import Family

FAMILY = Family(name="vision", payload=("answer", str), prepare=prepare.prepare, sources=prepare.sources,
                verify=checker.verify, inputs=prepare.image_inputs)

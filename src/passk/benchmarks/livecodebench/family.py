"""The LiveCodeBench family as the registry sees it."""

from passk.benchmarks.livecodebench import prepare, verify
from passk.verify.family import Family

FAMILY = Family(name="livecodebench", payload=prepare.PAYLOAD, prepare=prepare.prepare, sources=prepare.sources, verify=verify.verify)

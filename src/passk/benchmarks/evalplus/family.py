"""The EvalPlus family as the registry sees it."""

from passk.benchmarks.evalplus import groundtruth, prepare, verify
from passk.verify.family import Family

FAMILY = Family(
    name="evalplus",
    payload=prepare.PAYLOAD,
    prepare=prepare.prepare,
    sources=prepare.sources,
    verify=verify.verify,
    groundtruth=groundtruth.compute_groundtruth,
)

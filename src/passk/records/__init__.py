"""The records that flow between stages, and their on-disk form (one module per record type).

- Problem (``results/problems/{bench}.jsonl``; ``passk.records.problems``): ``id``, ``benchmark``,
  ``index`` (0-based position in the source file), ``question`` (the text the prompt wraps),
  ``answer`` (math gold, a string) or ``tests`` (code), and ``metadata``.
- Sample (``results/samples/{model}/{bench}/{setting}/shard-{i}.parquet``; ``passk.records.samples``):
  one row per completion.
- Verdict (``results/verdicts/…/shard-{i}.parquet``; ``passk.records.verdicts``): one row per
  sample, with one status vocabulary for every benchmark family.

This ``__init__`` imports nothing: a stage's code version is the hash of the modules it imports
(``passk.pipeline.versions``), so sampling must not depend on the verdict schema's module, nor
verification on the sample writer's.
"""

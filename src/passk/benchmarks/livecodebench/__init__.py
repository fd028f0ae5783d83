"""The LiveCodeBench family (``code_generation_lite``, by release and contest-date window).

- ``prepare``: hub release files or the staged offline files → canonical problem records;
- ``safe_pickle``: private tests decoded without letting the payload run code;
- ``harness``: the in-sandbox driver of one program over every test (stdlib only);
- ``verify``: program extraction (the last fenced block), one sandbox run per distinct program,
  and the family's verifier; ``family``: the record the registry lists.

This ``__init__`` imports nothing (see ``passk.pipeline.versions``).
"""

"""Sampling: the backend interface (``base``), its two implementations (``transformers_backend``
on the CPU or a GPU, ``vllm_backend`` on GPUs) and their registry (``backends``), seeds, stop
handling, one shard of samples (``shard``), and teacher-forced scoring of responses (``scoring``).

This ``__init__`` imports nothing (see ``passk.pipeline.versions``)."""

"""passk: measure the reasoning boundary of language models with unbiased pass@k.

The library behind the Snakemake workflow: every rule's script is a thin adapter over
functions here, so the workflow, the tests and the ``passk`` command share one code path.
"""

__version__ = "0.1.0"

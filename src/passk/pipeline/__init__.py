"""What the workflow's rule scripts call: one function per stage (``prepare``, ``verify``,
``perplexity``), the run glue (``rule``), provenance records, and the stage code versions derived
from the import graph (``versions``). The top of the library: it may import every other part."""

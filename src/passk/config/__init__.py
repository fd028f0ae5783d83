"""The workflow config: validation (``validate``), the run grid and config slices (``grid``), and
figure specs (``figures``). The config is a plain dict as Snakemake loads it; these modules read it."""

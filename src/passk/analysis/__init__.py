"""Analyses of verdicts and samples that know nothing of sampling engines or plotting: the
pass@k estimator and derived metrics (``metrics``), aggregation into tables (``aggregate``, formats
in ``tables``), the guessability filter, perplexity tables, the sampling report."""

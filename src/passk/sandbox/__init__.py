"""Sandboxed execution of untrusted programs (bwrap, docker, process) behind one interface.

The sandbox knows nothing of benchmarks. ``base`` is the interface (a backend starts a process
tree with pipes to it), ``backends`` the registry (``get_sandbox`` is the only way to pick a
backend, so an unavailable one is always the same clear ``ConfigError`` naming
``sandbox.backend``, never a silent fallback to weaker isolation), ``settings`` the config section
(one set of defaults: the schema's), ``forkserver`` the in-sandbox program runner that lets many
programs share one sandbox and relays what each returns, ``session`` the host side that hands the
relayed outputs to a judge out of the programs' reach, ``wire`` the bounded plain encoding between
them, ``seccomp`` the filter every program runs under.
"""

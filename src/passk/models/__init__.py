"""Model weights: downloads pinned to a commit (``download``), the tiny offline models of the
tests and the smoke run (``tiny``), manifests and their checks (``manifest``), and the one
function the ``get_model`` rule calls (``obtain``)."""

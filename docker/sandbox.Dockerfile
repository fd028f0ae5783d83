# Image of the passk `docker` sandbox backend: the same Python as the host workflow, numpy for
# evalplus tasks that import it, nothing else. Builds offline from local files when a base image
# is already present (`docker build -f docker/sandbox.Dockerfile -t passk-sandbox:latest docker/`);
# with a registry it pulls python:3.11-slim. Runs as uid 65534; the backend adds network none,
# a read-only root, a tmpfs /tmp and memory/pids limits at run time.
ARG BASE=python:3.11-slim
FROM ${BASE}
COPY requirements-sandbox.txt /tmp/requirements-sandbox.txt
RUN pip install --no-cache-dir --no-index --find-links /wheels -r /tmp/requirements-sandbox.txt 2>/dev/null \
    || pip install --no-cache-dir -r /tmp/requirements-sandbox.txt
USER 65534:65534
WORKDIR /tmp

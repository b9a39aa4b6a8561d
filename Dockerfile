# One image for every service; the Deployment picks the module: nameko run services.<svc>.service, and its
# init container runs python -m shared.plumbing.migrate <svc> (deploy/k8s/base). Both run from /app, so the
# source tree copied here (config.yml files, migration scripts and every other data file included) is what
# they import; pip install . brings the pinned dependencies. The root file system is read-only at run time:
# the modules are compiled here, as Python could not write its bytecode cache there.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
RUN pip install --no-cache-dir . && rm -rf build ./*.egg-info && python -m compileall -q shared services \
    && useradd --uid 10001 --no-create-home ecd
USER 10001
# PYTHONWARNINGS: no eventlet deprecation notice at every start
ENV LOG_LEVEL=INFO PYTHONWARNINGS=ignore:::nameko.cli.commands

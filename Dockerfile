# One image for every service; the Deployment picks the module: nameko run services.<svc>.service
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
RUN pip install --no-cache-dir . && useradd --uid 10001 --no-create-home ecd
USER 10001
# PYTHONWARNINGS: no eventlet deprecation notice at every start
ENV LOG_LEVEL=INFO PYTHONWARNINGS=ignore:::nameko.cli.commands

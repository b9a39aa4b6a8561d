"""Logging filters the services' ``LOGGING`` config (``config.yml``) installs on their handler.

``QuietProbes`` drops the INFO access-log lines of ``/healthz`` and ``/metrics``: Kubernetes probes
and Prometheus scrapes hit them every few seconds and would bury every other line. Other requests,
and any probe that fails (logged above INFO), still show.
"""

import logging

PROBE_PATHS = ('"GET /healthz ', '"GET /metrics ')


class QuietProbes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO or record.name != "nameko.web.server":
            return True
        message = record.getMessage()
        return not any(path in message for path in PROBE_PATHS)

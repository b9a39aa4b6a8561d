"""The protection service's entrypoints. Only the operations endpoints so far.

The sector's RPCs and events arrive in their own issues; the service already runs, is probed and
scraped like the others, so deployment and monitoring do not change when they land.
"""

from shared import operations
from shared.metrics import service_metrics

service_metrics("protection")  # the standard series exist (at zero) from the first scrape


class ProtectionService(operations.OperationsEndpoints):
    name = "protection"

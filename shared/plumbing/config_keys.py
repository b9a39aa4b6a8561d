"""Names of the configuration keys every service reads (nameko config dict, YAML with ${ENV:default}).

Only dependency providers read configuration; entrypoints and domain code never do.
"""

AMQP_URI_KEY = "AMQP_URI"
DB_URL_KEY = "DB_URL"
OUTBOX_RELAY_BATCH_KEY = "OUTBOX_RELAY_BATCH"
EVENT_RETRY_LIMIT_KEY = "EVENT_RETRY_LIMIT"
EVENT_RETRY_DELAY_MS_KEY = "EVENT_RETRY_DELAY_MS"
# Fault injection for the kill tests: SIGKILL the process after the N-th commit, before its publish.
FAULT_KILL_AFTER_COMMIT_KEY = "FAULT_KILL_AFTER_COMMIT"
CATCH_UP_INTERVAL_KEY = "CATCH_UP_INTERVAL"  # seconds between catch-ups from producers' event logs; 0 = off
OUTBOX_CLAIM_SECONDS_KEY = "OUTBOX_CLAIM_SECONDS"  # how long a relay holds the rows it publishes
OUTBOX_UNROUTED_RETRY_SECONDS_KEY = "OUTBOX_UNROUTED_RETRY_SECONDS"  # how long an unroutable event waits
OUTBOX_CONFIRM_WINDOW_KEY = "OUTBOX_CONFIRM_WINDOW"  # messages a relay publishes before it waits for confirms
OUTBOX_CONFIRM_TIMEOUT_SECONDS_KEY = "OUTBOX_CONFIRM_TIMEOUT_SECONDS"  # how long it waits for them at most

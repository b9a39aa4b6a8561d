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
# Batched event handlers (shared/plumbing/batching.py): events per transaction, the longest a lone
# event waits for others, and unacked messages the broker delivers per handler queue.
EVENT_BATCH_SIZE_KEY = "EVENT_BATCH_SIZE"
EVENT_BATCH_WAIT_MS_KEY = "EVENT_BATCH_WAIT_MS"
EVENT_PREFETCH_KEY = "EVENT_PREFETCH"
OUTBOX_CONFIRM_WINDOW_KEY = "OUTBOX_CONFIRM_WINDOW"  # messages a relay publishes before it waits for confirms
OUTBOX_CONFIRM_TIMEOUT_SECONDS_KEY = "OUTBOX_CONFIRM_TIMEOUT_SECONDS"  # how long it waits for them at most
# The province report keeps each commune's counts, recounted only where the data changed; "false" turns
# it off (every report counts afresh).
REPORT_COUNT_CACHE_KEY = "REPORT_COUNT_CACHE"
# classic (default) or quorum: the type of every durable queue (shared/plumbing/queue_types.py)
QUEUE_TYPE_KEY = "QUEUE_TYPE"
# seconds a queue consumer may reconnect before /livez answers 503 (and Kubernetes restarts the pod)
CONSUMER_STALL_SECONDS_KEY = "CONSUMER_STALL_SECONDS"
QUEUE_DEPTH_INTERVAL_KEY = "QUEUE_DEPTH_INTERVAL"  # seconds between reads of the queues' depth; 0 = off

"""The platform's common package: the only contract services share.

Event envelope and payload schemas, the transactional outbox and its relay, the reliable event
consumer, the database provider, typed errors, metrics, HTTP helpers and administrative units.
"""

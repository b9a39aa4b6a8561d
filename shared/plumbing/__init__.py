"""Plumbing: databases, the outbox, reliable consumers, following event logs, metrics, a prompt stop.

It knows nothing of children: any service of the platform could use it as it is.
"""

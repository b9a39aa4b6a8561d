"""The sector kit: what every sector service is besides its own rules (the write path, records,
voids, the registry copy, who may read what, the audit log).
"""

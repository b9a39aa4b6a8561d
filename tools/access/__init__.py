"""Who may do what on the platform's broker: ``python -m tools.access broker apply|definitions`` and
``python -m tools.access system add NAME --sector SECTOR`` (see ``__main__`` and the README section
"Broker users and permissions")."""

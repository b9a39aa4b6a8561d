"""Child protection: cases, levels and support; case details never leave this service."""

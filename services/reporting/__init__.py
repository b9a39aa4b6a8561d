"""Cross-sector reporting: one view per child from every sector's events, and the plan's indicators."""

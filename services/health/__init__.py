"""Health sector: vaccinations and growth monitoring (EPI, WHO growth standards)."""

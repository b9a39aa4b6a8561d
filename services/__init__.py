"""Platform services: one package per sector, plus reporting."""

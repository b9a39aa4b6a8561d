"""Civil registration: births, residence, health-insurance cards, deaths; owner of child identity."""

"""Education sector: creche, kindergarten and primary enrolments (Law on Education 2019)."""

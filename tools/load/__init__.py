"""``python -m tools.load FILE…``: a province's historic records (CSV or JSON lines, one kind of
record per file) sent through the sectors' batch RPCs, with a progress bar, the refused rows written
beside each file with their typed errors, and resumable after a crash or Ctrl-C without sending an
answered row again (``tools.load.run``; the options and files: ``python -m tools.load --help``).
"""

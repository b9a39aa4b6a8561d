#!/usr/bin/env bash
# Debian's Chromium for the page and dashboard screenshot tests (make test runs this): installed with
# apt where this machine allows it; otherwise say how (those tests then skip, and FAIL under CI=true).
set -u
if command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM:-}" ]; then exit 0; fi
bash "$(dirname "$0")/apt_install.sh" chromium "the browser tests (about 30 s)" && exit 0
echo "Chromium is not installed: the browser tests will skip. Install it (Debian/Ubuntu:"
echo "sudo apt-get install -y chromium) or set CHROMIUM to a Chromium or Chrome binary."
exit 0

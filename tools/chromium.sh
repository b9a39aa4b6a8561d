#!/usr/bin/env bash
# Debian's Chromium for the page and dashboard screenshot tests (make test runs this): installed with
# apt where this machine allows it; otherwise say how (those tests then skip, and FAIL under CI=true).
set -u
if command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM:-}" ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests (about 30 s)"
  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 ||
   { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }) &&
    exit 0
fi
echo "Chromium is not installed: the browser tests will skip. Install it (Debian/Ubuntu:"
echo "sudo apt-get install -y chromium) or set CHROMIUM to a Chromium or Chrome binary."
exit 0

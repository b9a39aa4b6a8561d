#!/usr/bin/env bash
# Debian's prometheus package (promtool and prometheus, 2.42 in bookworm) for the metrics, alert rule
# and dashboard tests (make test runs this): installed with apt where this machine allows it;
# otherwise say how (those tests then skip, and FAIL under CI=true).
set -u
if { command -v promtool && command -v prometheus; } >/dev/null 2>&1 ||
   [ -n "${PROMTOOL:-}" -a -n "${PROMETHEUS:-}" ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's prometheus (promtool) for the monitoring tests (about 20 s)"
  # the package starts a server on :9090 where systemd runs; the tests start their own
  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null 2>&1 ||
   { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null; }) &&
    exit 0
fi
echo "Prometheus is not installed: the monitoring tests will skip. Install it (Debian/Ubuntu:"
echo "sudo apt-get install -y prometheus) or set PROMTOOL and PROMETHEUS to the two binaries."
exit 0

#!/usr/bin/env bash
# Debian's prometheus package (promtool and prometheus, 2.42 in bookworm) for the metrics, alert rule
# and dashboard tests (make test runs this): installed with apt where this machine allows it;
# otherwise say how (those tests then skip, and FAIL under CI=true).
set -u
if { command -v promtool && command -v prometheus; } >/dev/null 2>&1 ||
   [ -n "${PROMTOOL:-}" -a -n "${PROMETHEUS:-}" ]; then exit 0; fi
# the package starts a server on :9090 where systemd runs; the tests start their own
bash "$(dirname "$0")/apt_install.sh" prometheus "the monitoring tests: promtool (about 20 s)" && exit 0
echo "Prometheus is not installed: the monitoring tests will skip. Install it (Debian/Ubuntu:"
echo "sudo apt-get install -y prometheus) or set PROMTOOL and PROMETHEUS to the two binaries."
exit 0

#!/usr/bin/env bash
# Installs one of Debian's packages for the tests where this machine allows it (root with apt-get):
#   bash tools/apt_install.sh PACKAGE "what it is for"
# exit 0 once installed; 1 where it cannot be (the caller says how instead). tools/chromium.sh and
# tools/prometheus.sh, which make test runs, use it.
set -u
package=$1
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's $package for $2"
  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null 2>&1 ||
   { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null; }) &&
    exit 0
fi
exit 1

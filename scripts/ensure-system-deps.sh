#!/usr/bin/env bash
# mysqlclient compiles against the MariaDB/MySQL client headers. Install them when missing and we can (root + apt).
set -euo pipefail
if pkg-config --exists mysqlclient 2>/dev/null || pkg-config --exists libmariadb 2>/dev/null; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing MySQL client headers (libmariadb-dev, pkg-config) ..."
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libmariadb-dev pkg-config >/dev/null
else
  echo "mysqlclient needs the MySQL client headers: install libmariadb-dev (Debian/Ubuntu) or mysql-devel, and pkg-config." >&2
  exit 1
fi

#!/usr/bin/env bash
# Render deploy/nginx/xintu.conf into a self-contained nginx config for CI and bench/faults.py: a self-signed
# certificate, local ports, the app's port and private media folder; nothing outside WORKDIR is touched.
#   deploy/nginx/local.sh WORKDIR HTTP_PORT HTTPS_PORT APP_PORT PRIVATE_MEDIA_ROOT
# then: nginx -t -p WORKDIR -c WORKDIR/nginx.conf   /   nginx -p WORKDIR -c WORKDIR/nginx.conf (starts it)
set -euo pipefail
work=$1 http_port=$2 https_port=$3 app_port=$4 private_root=${5%/}
site="$(dirname "$0")/xintu.conf"
mkdir -p "$work/logs" "$work/tmp"
chmod 755 "$work"  # nginx workers (an unprivileged user) read the private media folder below it
if [ ! -f "$work/cert.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
fi
sed -e "s#listen 80;#listen 127.0.0.1:$http_port;#" \
    -e "s#listen \[::\]:80;##" \
    -e "s#listen 443 ssl http2;#listen 127.0.0.1:$https_port ssl http2;#" \
    -e "s#listen \[::\]:443 ssl http2;##" \
    -e "s#server_name api.example.com;#server_name localhost 127.0.0.1;#" \
    -e "s#/etc/ssl/xintu/fullchain.pem#$work/cert.pem#" \
    -e "s#/etc/ssl/xintu/privkey.pem#$work/key.pem#" \
    -e "s#127.0.0.1:8000#127.0.0.1:$app_port#" \
    -e "s#/srv/xintu/private_media/#$private_root/#" \
    "$site" > "$work/site.conf"
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 512; }
http {
    include /etc/nginx/mime.types;
    access_log $work/logs/access.log;
    client_body_temp_path $work/tmp/body;
    proxy_temp_path $work/tmp/proxy;
    fastcgi_temp_path $work/tmp/fastcgi;
    uwsgi_temp_path $work/tmp/uwsgi;
    scgi_temp_path $work/tmp/scgi;
    include $work/site.conf;
}
CONF

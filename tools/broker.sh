#!/usr/bin/env bash
# Start a local RabbitMQ where this machine allows it (make broker); otherwise say exactly how.
set -u
if (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  echo "RabbitMQ already listening on 127.0.0.1:5672"; exit 0
fi
if ! command -v rabbitmq-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
  else
    echo "RabbitMQ is not installed. Install it (Debian/Ubuntu: sudo apt-get install -y rabbitmq-server;"
    echo "or run the official image: docker run -d -p 5672:5672 rabbitmq:3.13) and run make broker again,"
    echo "or set AMQP_URI to a broker you have."
    exit 2
  fi
fi
rabbitmq-server -detached
for _ in $(seq 1 60); do
  rabbitmqctl await_startup >/dev/null 2>&1 && { echo "RabbitMQ started on 127.0.0.1:5672"; exit 0; }
  sleep 1
done
echo "RabbitMQ did not start within 60 s: see /var/log/rabbitmq/" >&2
exit 1

#!/usr/bin/env bash
# Stops what scripts/up.sh started: the gateway and services drain and exit
# on SIGTERM, then MariaDB shuts down cleanly. Data in .run/ is kept.
source "$(dirname "$0")/lib.sh"
PIDS="$RUN_DIR/pids"
DB_DIR="$RUN_DIR/mariadb"

stop_pid() {
  local name="$1" pid="$2"
  kill -0 "$pid" 2>/dev/null || return 0
  log "stopping $name (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  log "$name did not exit in 15s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

for p in gateway targets customers orders finance; do
  if [ -f "$PIDS/$p.pid" ]; then stop_pid "$p" "$(cat "$PIDS/$p.pid")"; rm -f "$PIDS/$p.pid"; fi
done
if [ -f "$DB_DIR/mysqld.pid" ] && kill -0 "$(cat "$DB_DIR/mysqld.pid")" 2>/dev/null; then
  log "stopping MariaDB"
  mariadb --no-defaults --socket="$DB_DIR/mysqld.sock" -uroot -e "SHUTDOWN" 2>/dev/null \
    || kill -TERM "$(cat "$DB_DIR/mysqld.pid")"
  for _ in $(seq 1 150); do [ -f "$DB_DIR/mysqld.pid" ] || break; sleep 0.1; done
fi
log "stopped"

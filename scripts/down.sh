#!/usr/bin/env bash
# Stops what scripts/up.sh started: the gateway and services drain and exit
# on SIGTERM, then MariaDB shuts down cleanly. Data in .run/ is kept.
source "$(dirname "$0")/lib.sh"
PIDS="$RUN_DIR/pids"
DB_DIR="$RUN_DIR/mariadb"

# SIGTERM to each, then up to 15 s for all of them together: a draining
# service waits on its followers' open feed streams, so stopping them one
# after another would add those waits up.
stop_all() {
  local name pid left
  local -A pids=()
  for name in "$@"; do
    [ -f "$PIDS/$name.pid" ] || continue
    pid="$(cat "$PIDS/$name.pid")"
    rm -f "$PIDS/$name.pid"
    kill -0 "$pid" 2>/dev/null || continue
    log "stopping $name (pid $pid)"
    kill -TERM "$pid"
    pids[$name]="$pid"
  done
  for _ in $(seq 1 150); do
    left=0
    for name in "${!pids[@]}"; do kill -0 "${pids[$name]}" 2>/dev/null && left=1; done
    [ "$left" -eq 0 ] && return 0
    sleep 0.1
  done
  for name in "${!pids[@]}"; do
    if kill -0 "${pids[$name]}" 2>/dev/null; then
      log "$name did not exit in 15s; killing it"
      kill -KILL "${pids[$name]}" 2>/dev/null || true
    fi
  done
}

# The gateway first, so no new calls come in; then the services together.
stop_all gateway
stop_all targets customers orders finance
if [ -f "$DB_DIR/mysqld.pid" ] && kill -0 "$(cat "$DB_DIR/mysqld.pid")" 2>/dev/null; then
  log "stopping MariaDB"
  mariadb --no-defaults --socket="$DB_DIR/mysqld.sock" -uroot -e "SHUTDOWN" 2>/dev/null \
    || kill -TERM "$(cat "$DB_DIR/mysqld.pid")"
  for _ in $(seq 1 150); do [ -f "$DB_DIR/mysqld.pid" ] || break; sleep 0.1; done
fi
log "stopped"

#!/usr/bin/env bash
# galera.sh start|stop|status — a throw-away two-node MariaDB Galera cluster on
# loopback for strata's tests (see docs/test-servers.md).
#
#   node1: SQL 127.0.0.1:3307  galera 4567  IST 4577  SST (rsync) 4447
#   node2: SQL 127.0.0.1:3308  galera 4568  IST 4578  SST (rsync) 4448
#
# Everything lives under $STRATA_GALERA_DIR (default /tmp/strata-galera); the
# machine's own MariaDB (/etc/mysql, /var/lib/mysql, port 3306) is never read or
# touched: every server and client call uses --defaults-file / --no-defaults.
#
# Environment:
#   STRATA_GALERA_DIR      scratch folder            (default /tmp/strata-galera)
#   STRATA_GALERA_TIMEOUT  seconds to wait per phase (default 60)
set -euo pipefail

DIR="${STRATA_GALERA_DIR:-/tmp/strata-galera}"
DIR="${DIR%/}"
TIMEOUT="${STRATA_GALERA_TIMEOUT:-60}"
MARKER=".strata-galera"
LOCKFILE="${DIR}.lock"        # outside DIR: stop removes DIR

SQL_PORT=(0 3307 3308)
GCOMM_PORT=(0 4567 4568)
IST_PORT=(0 4577 4578)
SST_PORT=(0 4447 4448)
CLUSTER_NAME="strata-galera"
PROVIDER="/usr/lib/galera/libgalera_smm.so"
MARIADBD="/usr/sbin/mariadbd"

SCRIPT=galera.sh
# shellcheck source=lib/scratch-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/scratch-server.sh"

usage() {
  cat >&2 <<EOF
usage: $0 start|stop|status
  start   start (or reuse) the two-node cluster; waits until both nodes are Synced
  stop    shut both nodes down and remove $DIR
  status  print the wsrep status of each node (exit 0 only if the cluster is healthy)
EOF
  exit 2
}

# --- helpers ---------------------------------------------------------------

node_dir()  { printf '%s/node%s' "$DIR" "$1"; }
node_cnf()  { printf '%s/my.cnf' "$(node_dir "$1")"; }
node_sock() { printf '%s/mysqld.sock' "$(node_dir "$1")"; }
node_pidf() { printf '%s/mysqld.pid' "$(node_dir "$1")"; }
node_log()  { printf '%s/error.log' "$(node_dir "$1")"; }

# Server processes run as `mysql` when we are root (mariadbd and the SST scripts
# expect that), otherwise as the calling user.
if [ "$(id -u)" -eq 0 ]; then RUN_USER=mysql; else RUN_USER="$(id -un)"; fi


# SQL on a node over its private socket as root (empty password, see init).
sql() {
  local n="$1"; shift
  mariadb --no-defaults --protocol=socket -S "$(node_sock "$n")" -uroot \
    --connect-timeout=5 -N -B "$@"
}

# pid of node n: the mariadbd process started with *our* --defaults-file. The
# pid file is not enough: a joiner writes it only after its SST.
node_pid() {
  local want="--defaults-file=$(node_cnf "$1")" pidf pid f args
  pidf="$(node_pidf "$1")"
  if [ -r "$pidf" ]; then
    pid="$(tr -dc '0-9' <"$pidf")"
    if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] &&
       tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$want"; then
      printf '%s\n' "$pid"; return 0
    fi
  fi
  for f in /proc/[0-9]*/cmdline; do
    args="$(tr '\0' '\n' <"$f" 2>/dev/null)" || continue
    case "$args" in
      */mariadbd$'\n'"$want"|*/mariadbd$'\n'"$want"$'\n'*)
        pid="${f#/proc/}"; printf '%s\n' "${pid%/cmdline}"; return 0;;
    esac
  done
  return 1
}

node_running() { node_pid "$1" >/dev/null 2>&1; }

wsrep_var() { # node var -> value (empty if unavailable)
  sql "$1" -e "SHOW GLOBAL STATUS LIKE '$2'" 2>/dev/null | awk '{print $2}'
}

node_synced() {
  [ "$(wsrep_var "$1" wsrep_cluster_status)" = "Primary" ] &&
  [ "$(wsrep_var "$1" wsrep_ready)" = "ON" ] &&
  [ "$(wsrep_var "$1" wsrep_cluster_size)" = "2" ] &&
  [ "$(wsrep_var "$1" wsrep_local_state_comment)" = "Synced" ]
}

port_in_use() { # port -> 0 if something listens on 127.0.0.1/any at that port
  ss -Htln "sport = :$1" 2>/dev/null | grep -q .
}

check_ports() { # called when none of our nodes runs
  local n p
  for n in 1 2; do
    for p in "${SQL_PORT[$n]}" "${GCOMM_PORT[$n]}" "${IST_PORT[$n]}" "${SST_PORT[$n]}"; do
      if port_in_use "$p"; then
        die "port $p (node$n) is already in use by another process: $(ss -Htlnp "sport = :$p" | head -1 | awk '{print $4, $NF}')"
      fi
    done
  done
}

dump_logs() {
  local n f
  for n in 1 2; do
    for f in "$(node_log "$n")" "$(node_dir "$n")/console.log"; do
      [ -s "$f" ] || continue
      printf '\n----- %s (last 40 lines) -----\n' "$f" >&2
      tail -n 40 "$f" >&2 || true
    done
  done
}

fail() { log "error: $*"; dump_logs; log "(nodes left running for inspection; '$0 stop' cleans up)"; exit 1; }

ensure_packages() {
  local missing=()
  [ -x "$MARIADBD" ] || missing+=(mariadb-server)
  command -v mariadb >/dev/null 2>&1 || missing+=(mariadb-client)
  [ -f "$PROVIDER" ] || missing+=(galera-4)
  command -v rsync >/dev/null 2>&1 || missing+=(rsync)
  command -v ss >/dev/null 2>&1 || missing+=(iproute2)
  command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
  command -v flock >/dev/null 2>&1 || missing+=(util-linux)
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]} (install them, or run as root)"
  log "installing ${missing[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  local apt=(apt-get -y -q -o DPkg::Lock::Timeout=120 install --no-install-recommends "${missing[@]}")
  if ! "${apt[@]}" >&2; then
    apt-get -q -o DPkg::Lock::Timeout=120 update >&2
    "${apt[@]}" >&2
  fi
  # Installing mariadb-server may start the system server; that is its own
  # business (port 3306) and does not affect ours.
  [ -x "$MARIADBD" ] && [ -f "$PROVIDER" ] || die "mariadbd or $PROVIDER still missing after install"
}


write_cnf() {
  local n="$1" d
  d="$(node_dir "$n")"
  cat >"$(node_cnf "$n")" <<EOF
# generated by strata scripts/galera.sh — node$n
[mysqld]
user                     = $RUN_USER
datadir                  = $d/data
tmpdir                   = $d/tmp
socket                   = $d/mysqld.sock
pid-file                 = $d/mysqld.pid
log-error                = $d/error.log
port                     = ${SQL_PORT[$n]}
bind-address             = 127.0.0.1
skip-name-resolve
character-set-server     = utf8mb4
collation-server         = utf8mb4_general_ci
max_connections          = 200

# small and fast: this is a test server
innodb_buffer_pool_size  = 64M
innodb_log_file_size     = 32M
innodb_flush_log_at_trx_commit = 2
performance_schema       = OFF

# Galera requirements
binlog_format            = ROW
default_storage_engine   = InnoDB
innodb_autoinc_lock_mode = 2

wsrep_on                 = ON
wsrep_provider           = $PROVIDER
wsrep_provider_options   = "base_host=127.0.0.1;base_port=${GCOMM_PORT[$n]};gmcast.listen_addr=tcp://127.0.0.1:${GCOMM_PORT[$n]};ist.recv_addr=127.0.0.1:${IST_PORT[$n]};gcache.size=32M;pc.recovery=false"
wsrep_cluster_name       = $CLUSTER_NAME
wsrep_cluster_address    = gcomm://127.0.0.1:${GCOMM_PORT[1]},127.0.0.1:${GCOMM_PORT[2]}
wsrep_node_name          = node$n
wsrep_node_address       = 127.0.0.1:${GCOMM_PORT[$n]}
wsrep_node_incoming_address = 127.0.0.1:${SQL_PORT[$n]}
wsrep_sst_method         = rsync
wsrep_sst_receive_address = 127.0.0.1:${SST_PORT[$n]}
wsrep_slave_threads      = 2

[client]
socket                   = $d/mysqld.sock
port                     = ${SQL_PORT[$n]}
EOF
}

init_node() {
  local n="$1" d
  d="$(node_dir "$n")"
  mkdir -p "$d/data" "$d/tmp"
  write_cnf "$n"
  chown -R "$RUN_USER:" "$d"
  # root@localhost and root@127.0.0.1/::1 with an empty password; anonymous
  # users are dropped and the test db is created once the cluster runs.
  if ! as_run_user mariadb-install-db --no-defaults --user="$RUN_USER" \
        --datadir="$d/data" --tmpdir="$d/tmp" --auth-root-authentication-method=normal \
        --skip-test-db --skip-name-resolve \
        >"$d/install-db.log" 2>&1; then
    cat "$d/install-db.log" >&2
    die "mariadb-install-db failed for node$n"
  fi
}

launch_node() { # n [--wsrep-new-cluster]
  local n="$1"; shift
  local d; d="$(node_dir "$n")"
  log "starting node$n (SQL 127.0.0.1:${SQL_PORT[$n]})${1:+ with $1}"
  # setsid + all fds redirected: the server must not hold the caller's
  # stdout/stderr open (CI would wait for EOF forever), nor fd 9 (our flock).
  (
    ulimit -n 65536 2>/dev/null || ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
    cd "$d"
    export HOME="$d"
    exec setsid bash -c 'if [ "$(id -u)" -eq 0 ]; then
        exec setpriv --reuid="$0" --regid="$0" --init-groups -- "${@}"
      else exec "${@}"; fi' "$RUN_USER" "$MARIADBD" --defaults-file="$(node_cnf "$n")" "$@"
  ) </dev/null >>"$d/console.log" 2>&1 9>&- &
  local launcher=$!
  # wait for the socket to answer
  local deadline=$((SECONDS + TIMEOUT))
  until sql "$n" -e 'SELECT 1' >/dev/null 2>&1; do
    if ! kill -0 "$launcher" 2>/dev/null && ! node_running "$n"; then
      fail "node$n exited during start-up"
    fi
    [ "$SECONDS" -lt "$deadline" ] || fail "node$n did not accept connections within ${TIMEOUT}s"
    sleep 0.3
  done
}

wait_synced() { # seconds -> 0 once both nodes are Synced members of a 2-node Primary
  local deadline=$((SECONDS + $1))
  until node_synced 1 && node_synced 2; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.3
  done
}

setup_accounts() {
  local n
  # CREATE USER/GRANT/CREATE DATABASE replicate (TOI); run on both anyway so
  # each node is verified independently.
  for n in 1 2; do
    sql "$n" -e "
      DROP USER IF EXISTS ''@'localhost', ''@'127.0.0.1', ''@'%';
      CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
      GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
      CREATE DATABASE IF NOT EXISTS test;" ||
      fail "could not create root@127.0.0.1 on node$n"
  done
  for n in 1 2; do
    mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"${SQL_PORT[$n]}" -uroot \
      --connect-timeout=5 -N -B -e 'SELECT 1' >/dev/null ||
      fail "root over TCP to 127.0.0.1:${SQL_PORT[$n]} does not work"
  done
}

stop_node() {
  local n="$1" pid
  pid="$(node_pid "$n" 2>/dev/null)" || return 0
  log "stopping node$n (pid $pid)"
  mariadb-admin --no-defaults --protocol=socket -S "$(node_sock "$n")" -uroot \
    --connect-timeout=5 shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  # a clean shutdown takes ~2 s; a joiner stuck in SST ignores SIGTERM
  local grace=20 deadline
  deadline=$((SECONDS + grace))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "node$n did not stop within ${grace}s; killing pid $pid"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
}

# An rsync daemon left behind by an interrupted SST (pid file in the joiner's
# datadir). Only pids whose command line points into $DIR are touched.
kill_leftovers() {
  local f pid
  for f in "$DIR"/node*/data/rsync_sst.pid "$DIR"/node*/data/*.pid; do
    [ -r "$f" ] || continue
    pid="$(tr -dc '0-9' <"$f")"
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || continue
    if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$DIR/"; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
}

# --- commands --------------------------------------------------------------

cmd_start() {
  local t0=$SECONDS n
  ensure_packages
  if [ "$RUN_USER" = mysql ]; then
    mkdir -p "$(dirname "$DIR")"
    as_run_user test -x "$(dirname "$DIR")" ||
      die "user mysql cannot reach $(dirname "$DIR"); choose STRATA_GALERA_DIR elsewhere (e.g. under /tmp)"
  fi

  if node_running 1 && node_running 2; then
    # start/stop are serialised by the flock, so a cluster that is not Synced
    # within a few seconds here is broken, not "still starting".
    if wait_synced 10; then
      log "already running (node1 127.0.0.1:${SQL_PORT[1]}, node2 127.0.0.1:${SQL_PORT[2]})"
      setup_accounts
      return 0
    fi
    log "both nodes run but the cluster is not healthy; recreating it from nothing"
  elif node_running 1 || node_running 2; then
    # A two-node cluster that lost one node uncleanly loses quorum: the
    # survivor goes non-Primary and a rejoin fails. Recreate instead.
    log "only one node runs; recreating the cluster from nothing"
  fi
  stop_node 2
  stop_node 1
  kill_leftovers
  check_ports

  # nothing runs: start from nothing, discarding any stale scratch folder
  if [ -e "$DIR" ]; then
    log "removing stale $DIR"
    kill_leftovers
    safe_rm_dir
  fi
  mkdir -p "$DIR"
  touch "$DIR/$MARKER"
  chmod 755 "$DIR"
  init_node 1 & local i1=$!
  init_node 2 & local i2=$!
  wait "$i1" || exit 1
  wait "$i2" || exit 1
  launch_node 1 --wsrep-new-cluster
  launch_node 2
  if ! wait_synced "$TIMEOUT"; then
    cmd_status >&2 || true
    fail "cluster did not reach wsrep_cluster_size=2, wsrep_ready=ON, Synced within ${TIMEOUT}s"
  fi
  setup_accounts
  log "ready in $((SECONDS - t0))s: mysql://root@127.0.0.1:${SQL_PORT[1]}/test  mysql://root@127.0.0.1:${SQL_PORT[2]}/test"
}

cmd_stop() {
  # node2 first, then the bootstrap node
  stop_node 2
  stop_node 1
  kill_leftovers
  safe_rm_dir
  log "stopped; $DIR removed"
}

cmd_status() {
  local n rc=0 pid
  for n in 1 2; do
    if pid="$(node_pid "$n" 2>/dev/null)"; then
      printf 'node%s: running, pid %s, 127.0.0.1:%s\n' "$n" "$pid" "${SQL_PORT[$n]}"
      if ! sql "$n" -e "SHOW GLOBAL STATUS WHERE Variable_name IN
          ('wsrep_ready','wsrep_connected','wsrep_cluster_size','wsrep_cluster_status',
           'wsrep_local_state_comment','wsrep_incoming_addresses','wsrep_cluster_state_uuid')" |
          sed 's/^/  /'; then
        echo "  (not answering)"; rc=1
      fi
      node_synced "$n" || rc=1
    else
      printf 'node%s: not running\n' "$n"
      rc=1
    fi
  done
  return "$rc"
}

[ $# -eq 1 ] || usage
case "$1" in
  start|stop)
    command -v flock >/dev/null 2>&1 || ensure_packages
    mkdir -p "$(dirname "$LOCKFILE")"
    exec 9>"$LOCKFILE"
    flock -w $((TIMEOUT * 3)) 9 || die "another galera.sh start/stop holds $LOCKFILE"
    "cmd_$1"
    ;;
  status) cmd_status ;;
  *) usage ;;
esac

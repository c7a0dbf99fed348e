# Shared by galera.sh and pgbouncer.sh (sourced, not run): logging, running a command as the
# server's user, and removing a scratch folder only if the script made it.
# The caller sets SCRIPT (its name), DIR (the scratch folder), MARKER (a file the script
# writes into DIR) and RUN_USER (the user servers run as when we are root).

log() { printf '%s: %s\n' "$SCRIPT" "$*" >&2; }
die() { printf '%s: error: %s\n' "$SCRIPT" "$*" >&2; exit 1; }

# setpriv rather than runuser/su: no PAM session, so rlimits (open files) and the environment
# are inherited as they are.
as_run_user() {
  if [ "$(id -u)" -eq 0 ]; then
    setpriv --reuid="$RUN_USER" --regid="$RUN_USER" --init-groups -- "$@"
  else
    "$@"
  fi
}

safe_rm_dir() {
  [ -e "$DIR" ] || return 0
  case "$DIR" in
    ""|/|/tmp|/root|/home|/var|/usr|/etc) die "refusing to remove '$DIR'";;
  esac
  if [ -f "$DIR/$MARKER" ] || [ -z "$(ls -A "$DIR" 2>/dev/null)" ]; then
    rm -rf -- "$DIR"
  else
    die "'$DIR' exists but was not created by $SCRIPT (no $MARKER); remove it yourself or set its *_DIR variable"
  fi
}

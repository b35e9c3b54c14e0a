#!/usr/bin/env bash
# sipp interop suite for the `sip-harness` command (GitHub issue 7).
#
#   sip-harness/tests/interop/run.sh [NAME-REGEX]
#
# Runs every case (or those whose name matches NAME-REGEX) on 127.0.0.1:
# sipp plays the far end from scenarios/*.xml; sip-harness plays our side.
# Prints PASS/FAIL per case, then "N passed, M failed"; exits 1 if any case
# failed, 2 if sipp or the binary is missing.
#
# Environment:
#   SIP_HARNESS        the binary (default target/release/sip-harness, taken
#                      relative to the current directory, else to the repo root)
#   INTEROP_BASE_PORT  first port; case i uses BASE+2i (sipp) and BASE+2i+1
#                      (sip-harness)                          (default 35060)
#   INTEROP_TIMEOUT    seconds each process may run            (default 30)
#   INTEROP_LOG_DIR    where logs go             (default a fresh mktemp -d)
#   INTEROP_LOST_RUNS  repetitions of each -lost 10 case        (default 2)
#   INTEROP_SKIP       skip the cases whose name matches this regex
# Three-party cases (REFER, answer -register) use a third port, BASE+2i+2,
# and take two indexes.
# Each sip-harness process gets INTEROP_CASE=<case name> in its environment
# (informative; the self-test's stand-in binary uses it to pick its flow).
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
SCN=$HERE/scenarios

BASE_PORT=${INTEROP_BASE_PORT:-35060}
T=${INTEROP_TIMEOUT:-30}
LOST_RUNS=${INTEROP_LOST_RUNS:-2}
FILTER=${1:-}
SKIP=${INTEROP_SKIP:-}

if ! command -v sipp >/dev/null 2>&1; then
  echo "run.sh: sipp is not installed; install it with: apt-get install -y sip-tester" >&2
  exit 2
fi

BIN=${SIP_HARNESS:-target/release/sip-harness}
if [[ $BIN != /* ]]; then
  if [[ -e $BIN ]]; then BIN=$PWD/$BIN
  elif [[ -e $REPO/$BIN ]]; then BIN=$REPO/$BIN
  fi
fi
if [[ ! -x $BIN ]]; then
  echo "run.sh: sip-harness binary not found or not executable: $BIN" >&2
  echo "run.sh: build it (cargo build --release -p sip-harness) or set SIP_HARNESS" >&2
  exit 2
fi

LOG_DIR=${INTEROP_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/sip-interop.XXXXXX")}
mkdir -p "$LOG_DIR"

# Every background process we started, by PID, until it is reaped: nothing
# outlives the run, and no PID is signalled after it was reaped.
declare -A LIVE=()
track() { LIVE[$1]=1; }
reap() { # PID; returns its exit status
  local rc
  wait "$1"
  rc=$?
  unset "LIVE[$1]"
  return "$rc"
}
# Stop PID if it still runs, and reap it; returns its exit status.
stop() {
  if kill -0 "$1" 2>/dev/null; then kill -TERM "$1" 2>/dev/null; fi
  reap "$1"
}
cleanup() {
  local p
  for p in "${!LIVE[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${!LIVE[@]}"; do wait "$p" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PASSED=0
FAILED=0
INDEX=0

pass() { PASSED=$((PASSED + 1)); printf 'PASS  %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL  %s: %s (logs: %s/%s.*)\n' "$1" "$2" "$LOG_DIR" "$1"; }

selected() { [[ (-z $FILTER || $1 =~ $FILTER) && (-z $SKIP || ! $1 =~ $SKIP) ]]; }

# Is something bound to 127.0.0.1:PORT (udp) or listening there (tcp)?
port_ready() { # udp|tcp PORT
  local hex table
  hex=$(printf '%04X' "$2")
  table=/proc/net/$1
  if [[ ! -r $table ]]; then sleep 1; return 0; fi
  if [[ $1 == tcp ]]; then
    awk -v p=":$hex" '$2 ~ (p "$") && $4 == "0A" { found = 1 } END { exit !found }' "$table"
  else
    awk -v p=":$hex" '$2 ~ (p "$") { found = 1 } END { exit !found }' "$table"
  fi
}

# Wait up to 10 s for PID to bind PORT; fails early if PID exits.
wait_ready() { # udp|tcp PORT PID
  local i
  for ((i = 0; i < 100; i++)); do
    port_ready "$1" "$2" && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# Wait up to SECS for PID to exit on its own.
wait_exit() { # PID SECS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# The first event sipp recorded in its error log, on one line: a failed
# check names its regexp, an unexpected message its first line.
sipp_reason() { # errors-file
  [[ -s $1 ]] || return 0
  local regexp first
  first=$(grep -m1 -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}' "$1" | cut -f3- | sed 's/^[0-9.]*: //')
  if [[ $first == "Failed regexp match"* ]]; then
    regexp=$(grep -m1 -o "with regexp '[^']*'" "$1")
    echo "check failed, ${regexp#with }"
  else
    echo "${first:0:200}"
  fi
}

describe_rc() { # rc
  case $1 in
    124) echo "timed out after ${T}s" ;;
    137) echo "killed after ${T}s" ;;
    *) echo "exit $1" ;;
  esac
}

# sipp with the options every case shares; NAME.sipp.* log files.
start_sipp() { # NAME SCENARIO udp|tcp PORT [ARGS...]
  local name=$1 scenario=$2 transport=$3 port=$4
  shift 4
  local mode=u1
  [[ $transport == tcp ]] && mode=t1
  timeout -k 5 "$T" sipp -sf "$SCN/$scenario" -t "$mode" \
    -i 127.0.0.1 -p "$port" -bind_local -m 1 -nostdin \
    -timeout "$((T - 2))s" -timeout_error \
    -trace_msg -message_file "$LOG_DIR/$name.sipp.messages" \
    -trace_err -error_file "$LOG_DIR/$name.sipp.errors" \
    -trace_logs -log_file "$LOG_DIR/$name.sipp.actions" \
    -trace_screen -screen_file "$LOG_DIR/$name.sipp.screen" \
    "$@" </dev/null >"$LOG_DIR/$name.sipp.out" 2>&1 &
  SIPP_PID=$!
  track "$SIPP_PID"
}

# sip-harness SUBCOMMAND with NAME.harness.{out,err}.
start_harness() { # NAME SUBCOMMAND [ARGS...]
  local name=$1
  shift
  INTEROP_CASE=$name timeout -k 5 "$T" "$BIN" "$@" --trace </dev/null \
    >"$LOG_DIR/$name.harness.out" 2>"$LOG_DIR/$name.harness.err" &
  HARNESS_PID=$!
  track "$HARNESS_PID"
}

harness_reason() { # NAME rc
  local last
  last=$(tail -n 1 "$LOG_DIR/$1.harness.err" 2>/dev/null | cut -c1-200)
  echo "sip-harness $(describe_rc "$2")${last:+: $last}"
}

# Wait for sipp to finish; should the other process exit first, give sipp
# GRACE more seconds and then stop it (it waits for what will not come).
# Sets SIPP_RC, and SIPP_STUCK=1 when it had to be stopped.
wait_sipp() { # SIPP_PID OTHER_PID GRACE
  SIPP_STUCK=""
  while kill -0 "$1" 2>/dev/null; do
    if ! kill -0 "$2" 2>/dev/null; then
      if ! wait_exit "$1" "$3"; then
        SIPP_STUCK=1
        kill -TERM "$1" 2>/dev/null
      fi
      break
    fi
    sleep 0.1
  done
  reap "$1"
  SIPP_RC=$?
}

# Why sipp failed, or nothing.
sipp_verdict() { # NAME
  local why verdict=""
  if [[ -n $SIPP_STUCK ]]; then
    verdict="sipp still in its scenario 10 s after sip-harness exited"
  elif [[ $SIPP_RC -ne 0 ]]; then
    verdict="sipp $(describe_rc "$SIPP_RC")"
  else
    return 0
  fi
  why=$(sipp_reason "$LOG_DIR/$1.sipp.errors")
  echo "$verdict${why:+: $why}"
}

# sipp as UAS, `sip-harness call` as UAC.
#   uas_case NAME SCENARIO udp|tcp ok|reject:CODE [SIPP-ARGS...] -- [CALL-ARGS...]
# ok: the call must exit 0. reject:CODE: it must exit non-zero with CODE on
# stderr (an expected failure, counted as a pass).
uas_case() {
  local name=$1 scenario=$2 transport=$3 expect=$4
  shift 4
  local sipp_args=()
  while [[ $# -gt 0 && $1 != -- ]]; do sipp_args+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  local call_args=("$@")
  INDEX=$((INDEX + 1))
  selected "$name" || return 0
  local sport=$((BASE_PORT + 2 * INDEX)) hport=$((BASE_PORT + 2 * INDEX + 1))
  local uri="sip:service@127.0.0.1:$sport"
  [[ $transport == tcp ]] && uri="$uri;transport=tcp"

  # Over UDP sipp lingers -d ms after its last message for retransmissions.
  local linger=1000
  [[ $transport == tcp ]] && linger=0
  start_sipp "$name" "$scenario" "$transport" "$sport" -d "$linger" "${sipp_args[@]}"
  local sipp_pid=$SIPP_PID
  if ! wait_ready "$transport" "$sport" "$sipp_pid"; then
    stop "$sipp_pid"
    fail "$name" "sipp did not bind $transport 127.0.0.1:$sport: $(tail -n 3 "$LOG_DIR/$name.sipp.out" | tr -s '\n' ' ')"
    return
  fi

  # UAS_CMD: the sip-harness subcommand (default `call`; register, options
  # and message take the same target and --bind/--transport).
  start_harness "$name" "${UAS_CMD:-call}" "$uri" --bind "127.0.0.1:$hport" --transport "$transport" "${call_args[@]}"
  local harness_pid=$HARNESS_PID
  wait_sipp "$sipp_pid" "$harness_pid" 10
  # sipp is done: the call should be over too.
  local reason="" hrc
  if ! wait_exit "$harness_pid" 10; then
    reason="sip-harness call still running 10 s after sipp finished"
  fi
  stop "$harness_pid"
  hrc=$?
  local sipp_why
  sipp_why=$(sipp_verdict "$name")
  [[ -n $sipp_why ]] && reason="$sipp_why${reason:+; $reason}"

  if [[ -z $reason ]]; then
    case $expect in
      ok)
        [[ $hrc -ne 0 ]] && reason=$(harness_reason "$name" "$hrc")
        ;;
      reject:*)
        local code=${expect#reject:}
        if [[ $hrc -eq 0 ]]; then
          reason="sip-harness exit 0, expected a failure with $code"
        elif ! tail -n 3 "$LOG_DIR/$name.harness.err" | grep -q "\b$code\b"; then
          # the final status: the end of stderr, not a traced message
          reason="$(harness_reason "$name" "$hrc") (no $code at the end of stderr)"
        fi
        ;;
    esac
  fi
  if [[ -z $reason ]]; then pass "$name"; else fail "$name" "$reason"; fi
}

# `sip-harness answer` as UAS, sipp as UAC.
#   uac_case NAME SCENARIO udp|tcp exit|stay [SIPP-ARGS...] -- [ANSWER-ARGS...]
# exit: answer must exit 0 by itself after the call (-exit-after-calls).
# stay: answer must still be running when sipp is done; it is then stopped.
uac_case() {
  local name=$1 scenario=$2 transport=$3 expect=$4
  shift 4
  local sipp_args=()
  while [[ $# -gt 0 && $1 != -- ]]; do sipp_args+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  local answer_args=("$@")
  INDEX=$((INDEX + 1))
  selected "$name" || return 0
  local sport=$((BASE_PORT + 2 * INDEX)) hport=$((BASE_PORT + 2 * INDEX + 1))

  start_harness "$name" answer --bind "127.0.0.1:$hport" --transport "$transport" "${answer_args[@]}"
  local harness_pid=$HARNESS_PID
  if ! wait_ready "$transport" "$hport" "$harness_pid"; then
    if kill -0 "$harness_pid" 2>/dev/null; then
      stop "$harness_pid"
      fail "$name" "sip-harness answer did not bind $transport 127.0.0.1:$hport within 10 s"
    else
      reap "$harness_pid"
      fail "$name" "$(harness_reason "$name" $?) before binding $transport 127.0.0.1:$hport"
    fi
    return
  fi

  local linger=1000
  [[ $transport == tcp ]] && linger=0
  start_sipp "$name" "$scenario" "$transport" "$sport" -d "$linger" "${sipp_args[@]}" "127.0.0.1:$hport"
  local sipp_pid=$SIPP_PID
  wait_sipp "$sipp_pid" "$harness_pid" 10

  local reason="" hrc
  case $expect in
    exit)
      if [[ $SIPP_RC -eq 0 && -z $SIPP_STUCK ]] && ! wait_exit "$harness_pid" 10; then
        reason="sip-harness answer still running 10 s after the call"
      fi
      stop "$harness_pid"
      hrc=$?
      if [[ -z $reason && $SIPP_RC -eq 0 && -z $SIPP_STUCK && $hrc -ne 0 ]]; then
        reason=$(harness_reason "$name" "$hrc")
      fi
      ;;
    stay)
      if kill -0 "$harness_pid" 2>/dev/null; then
        stop "$harness_pid"
      else
        reap "$harness_pid"
        hrc=$?
        reason="$(harness_reason "$name" "$hrc") while sipp was running"
      fi
      ;;
  esac
  local sipp_why
  sipp_why=$(sipp_verdict "$name")
  [[ -n $sipp_why ]] && reason="$sipp_why${reason:+; $reason}"
  if [[ -z $reason ]]; then pass "$name"; else fail "$name" "$reason"; fi
}

# Wait up to 10 s for FILE to contain a line matching REGEX while PID
# runs; prints the first such line.
wait_log() { # FILE REGEX PID
  local i line
  for ((i = 0; i < 100; i++)); do
    line=$(grep -m1 -E "$2" "$1" 2>/dev/null) && { echo "$line"; return 0; }
    kill -0 "$3" 2>/dev/null || break
    sleep 0.1
  done
  line=$(grep -m1 -E "$2" "$1" 2>/dev/null) && { echo "$line"; return 0; }
  return 1
}

# Start sipp NAME (a second or third sipp of a case) and wait until it
# listens; on failure, records the FAIL and returns 1.
start_sipp_ready() { # CASE NAME SCENARIO udp|tcp PORT [ARGS...]
  local case=$1
  shift
  start_sipp "$@"
  if ! wait_ready "$3" "$4" "$SIPP_PID"; then
    stop "$SIPP_PID"
    fail "$case" "sipp $1 did not bind $3 127.0.0.1:$4: $(tail -n 3 "$LOG_DIR/$1.sipp.out" | tr -s '\n' ' ')"
    return 1
  fi
}

# Waits for the sipp PIDs (in order) while OTHER runs, and collects their
# verdicts into REASON (a global). Each sipp's logs are NAME.*.
collect_sipps() { # OTHER_PID NAME:PID...
  local other=$1 entry why
  shift
  for entry in "$@"; do
    wait_sipp "${entry#*:}" "$other" 10
    why=$(sipp_verdict "${entry%:*}")
    [[ -n $why ]] && REASON="${REASON:+$REASON; }${entry%:*}: $why"
  done
}

# `answer --register` against sipp as registrar (registrar.xml, granting a
# few seconds), called by a second sipp at the contact the registrar got
# (uac_registered_call.xml); the registrar then waits for the refresh.
# `answer` must still run at the end (it is then stopped).
#   register_answer_case NAME udp|tcp EXPIRES
register_answer_case() {
  local name=$1 transport=$2 expires=$3
  INDEX=$((INDEX + 2)) # three ports
  selected "$name" || return 0
  local rport=$((BASE_PORT + 2 * INDEX - 2)) hport=$((BASE_PORT + 2 * INDEX - 1))
  local cport=$((BASE_PORT + 2 * INDEX))
  local linger=1000 tp=""
  [[ $transport == tcp ]] && linger=0 tp=";transport=tcp"
  REASON=""

  start_sipp_ready "$name" "$name.registrar" registrar.xml "$transport" "$rport" -d "$linger" \
    -key auth_user "$AUTH_USER" -key auth_pass "$AUTH_PASS" -key expires "$expires" || return
  local rpid=$SIPP_PID
  start_harness "$name" answer --bind "127.0.0.1:$hport" --transport "$transport" \
    --register "sip:127.0.0.1:$rport$tp" --user "$AUTH_USER" --password "$AUTH_PASS"
  local harness_pid=$HARNESS_PID
  local line contact
  if ! line=$(wait_log "$LOG_DIR/$name.registrar.sipp.actions" 'registered contact: [^ ]' "$rpid"); then
    collect_sipps "$harness_pid" "$name.registrar:$rpid"
    stop "$harness_pid"
    fail "$name" "not registered within 10 s${REASON:+: $REASON}"
    return
  fi
  contact=${line##*registered contact: }
  start_sipp "$name.caller" uac_registered_call.xml "$transport" "$cport" -d "$linger" \
    -s "$AUTH_USER" -key contact "$contact" "127.0.0.1:$hport"
  collect_sipps "$harness_pid" "$name.caller:$SIPP_PID" "$name.registrar:$rpid"
  if kill -0 "$harness_pid" 2>/dev/null; then
    stop "$harness_pid"
  else
    reap "$harness_pid"
    REASON="${REASON:+$REASON; }$(harness_reason "$name" $?) while sipp was running"
  fi
  if [[ -z $REASON ]]; then pass "$name"; else fail "$name" "$REASON"; fi
}

# REFER (RFC 3515) with a second sipp as the transfer target
# (uas_refer_target.xml, -key target_port in the transferor's scenario).
#   refer_case NAME udp|tcp uas|uac SCENARIO [ARGS...]
# uas: sipp (SCENARIO) answers `sip-harness call ARGS` and transfers it;
# uac: sipp (SCENARIO) calls `sip-harness answer ARGS` and transfers it.
# Our side must exit 0 by itself after both calls.
refer_case() {
  local name=$1 transport=$2 role=$3 scenario=$4
  shift 4
  INDEX=$((INDEX + 2)) # three ports
  selected "$name" || return 0
  local sport=$((BASE_PORT + 2 * INDEX - 2)) hport=$((BASE_PORT + 2 * INDEX - 1))
  local tport=$((BASE_PORT + 2 * INDEX))
  local linger=1000 tp=""
  [[ $transport == tcp ]] && linger=0 tp=";transport=tcp"
  REASON=""

  start_sipp_ready "$name" "$name.target" uas_refer_target.xml "$transport" "$tport" -d "$linger" || return
  local tpid=$SIPP_PID spid harness_pid
  if [[ $role == uas ]]; then
    if ! start_sipp_ready "$name" "$name" "$scenario" "$transport" "$sport" -d "$linger" \
      -key target_port "$tport"; then
      stop "$tpid"
      return
    fi
    spid=$SIPP_PID
    start_harness "$name" call "sip:service@127.0.0.1:$sport$tp" --bind "127.0.0.1:$hport" \
      --transport "$transport" "$@"
    harness_pid=$HARNESS_PID
  else
    start_harness "$name" answer --bind "127.0.0.1:$hport" --transport "$transport" "$@"
    harness_pid=$HARNESS_PID
    if ! wait_ready "$transport" "$hport" "$harness_pid"; then
      stop "$harness_pid"
      stop "$tpid"
      fail "$name" "sip-harness answer did not bind $transport 127.0.0.1:$hport within 10 s"
      return
    fi
    start_sipp "$name" "$scenario" "$transport" "$sport" -d "$linger" \
      -key target_port "$tport" "127.0.0.1:$hport"
    spid=$SIPP_PID
  fi
  collect_sipps "$harness_pid" "$name:$spid" "$name.target:$tpid"
  local hrc
  if ! wait_exit "$harness_pid" 10; then
    REASON="${REASON:+$REASON; }sip-harness still running 10 s after the calls"
  fi
  stop "$harness_pid"
  hrc=$?
  [[ -z $REASON && $hrc -ne 0 ]] && REASON=$(harness_reason "$name" "$hrc")
  if [[ -z $REASON ]]; then pass "$name"; else fail "$name" "$REASON"; fi
}

echo "sipp: $(sipp -v 2>&1 | grep -m1 -o 'SIPp v[^ ]*' | sed 's/[.]$//')"
echo "sip-harness: $BIN"
echo "logs: $LOG_DIR"

AUTH_USER=alice
AUTH_PASS=interop-secret

for tr in udp tcp; do
  # sipp as UAS, our `call` as UAC
  uas_case "uas_basic_$tr" uas_basic.xml "$tr" ok \
    -- --hangup-after 1
  uas_case "uas_reject_486_$tr" uas_reject_486.xml "$tr" reject:486 \
    -- --hangup-after 5
  uas_case "uas_auth_401_$tr" uas_auth_401.xml "$tr" ok \
    -key auth_user "$AUTH_USER" -key auth_pass "$AUTH_PASS" \
    -- --user "$AUTH_USER" --password "$AUTH_PASS" --hangup-after 1
  uas_case "uas_bye_far_$tr" uas_bye_far.xml "$tr" ok \
    -- --hangup-after 15
  uas_case "uas_reinvite_far_$tr" uas_reinvite_far.xml "$tr" ok \
    -- --hangup-after 15
  uas_case "uas_info_message_$tr" uas_info_message.xml "$tr" ok \
    -- --info interop-info-text --message interop-message-text --hangup-after 2
  uas_case "uas_prack_$tr" uas_prack.xml "$tr" ok \
    -- --hangup-after 1
  uas_case "uas_hold_$tr" uas_hold.xml "$tr" ok \
    -- --hold-after 1 --hangup-after 3

  # sipp as registrar / UAS for our register, options and message commands
  UAS_CMD=register uas_case "uas_register_$tr" uas_register.xml "$tr" ok \
    -key auth_user "$AUTH_USER" -key auth_pass "$AUTH_PASS" \
    -- --user "$AUTH_USER" --password "$AUTH_PASS" --expires 300
  UAS_CMD=options uas_case "uas_options_$tr" uas_options.xml "$tr" ok \
    --
  UAS_CMD=message uas_case "uas_message_ood_$tr" uas_message_ood.xml "$tr" ok \
    -- --text interop-message-text

  # `answer` as UAS, sipp as UAC
  uac_case "uac_basic_$tr" uac_basic.xml "$tr" exit \
    -- --exit-after-calls 1
  uac_case "uac_cancel_$tr" uac_cancel.xml "$tr" stay \
    -- --ring 10
  uac_case "uac_options_$tr" uac_options.xml "$tr" stay \
    --
  uac_case "uac_message_$tr" uac_message.xml "$tr" stay \
    --
  uac_case "uac_prack_$tr" uac_prack.xml "$tr" exit \
    -- --prack --ring 1 --exit-after-calls 1

  # REFER: the far end transfers the call to a second sipp
  refer_case "uas_refer_$tr" "$tr" uas uas_refer.xml --hangup-after 15
  refer_case "uac_refer_$tr" "$tr" uac uac_refer.xml --exit-after-calls 2

  # `answer --register`: sipp as registrar (digest, 3 s granted, refresh)
  register_answer_case "uac_register_$tr" "$tr" 3
done

# UDP with 10 % of sipp's messages dropped, both ways: retransmissions (ours
# and sipp's) must carry the call through. sipp lingers 4 s after its last
# message for retransmitted BYEs; `answer` stays up (a UAS exiting at once
# could not answer a retransmitted BYE whose 200 was lost).
for ((run = 1; run <= LOST_RUNS; run++)); do
  uas_case "uas_basic_udp_lost10_$run" uas_basic.xml udp ok -lost 10 -d 4000 \
    -- --hangup-after 2
  uac_case "uac_basic_udp_lost10_$run" uac_basic.xml udp stay -lost 10 \
    --
done

echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]

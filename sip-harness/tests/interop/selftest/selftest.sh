#!/usr/bin/env bash
# Self-test of the interop suite, without sip-harness.
#
#   sip-harness/tests/interop/selftest/selftest.sh
#
# 1. Each scenario of ../scenarios is run against a sipp partner scenario of
#    this folder that plays our side (p_call_* for `call`, p_answer_* for
#    `answer`), over UDP and TCP: both sipp must exit 0. This proves the XML
#    loads and the flows are consistent.
# 2. Negative pairs: a partner doing the wrong thing (wrong password, no
#    PRACK, BYE too early, ...) must make the scenario under test fail.
# 3. Loss: uas_basic and uac_basic with -lost 10, several times.
# 4. run.sh, end to end, with fake-sip-harness (which runs the partners) as
#    SIP_HARNESS: every case must pass; then with FAKE_BREAK set for a few
#    cases: exactly those must fail, and run.sh must exit 1.
# Prints PASS/FAIL per check and "N passed, M failed"; exits 1 on any
# failure, 2 if sipp is missing.
#
# Environment: SELFTEST_BASE_PORT (default 36060), SELFTEST_LOST_RUNS
# (default 5), SELFTEST_LOG_DIR (default a fresh mktemp -d).
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN=$(cd "$HERE/.." && pwd)/run.sh

if ! command -v sipp >/dev/null 2>&1; then
  echo "selftest.sh: sipp is not installed; install it with: apt-get install -y sip-tester" >&2
  exit 2
fi

BASE_PORT=${SELFTEST_BASE_PORT:-36060}
LOST_RUNS=${SELFTEST_LOST_RUNS:-5}
LOG_DIR=${SELFTEST_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/sip-interop-selftest.XXXXXX")}
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

rc_matches() { # RC 0|fail|any
  case $2 in
    0) [[ $1 -eq 0 ]] ;;
    fail) [[ $1 -ne 0 ]] ;;
    any) true ;;
  esac
}

# pair NAME udp|tcp SERVER-EXPECT CLIENT-EXPECT SERVER.xml [ARGS...] -- CLIENT.xml [ARGS...]
# Runs SERVER (sipp listening) and CLIENT (sipp calling it); each must exit
# as expected (0, fail, any). Paths are relative to this folder.
pair() {
  local name=$1 transport=$2 sexp=$3 cexp=$4
  shift 4
  local server=("$@") client=()
  local i
  for ((i = 0; i < ${#server[@]}; i++)); do
    if [[ ${server[i]} == -- ]]; then
      client=("${server[@]:i+1}")
      server=("${server[@]:0:i}")
      break
    fi
  done
  INDEX=$((INDEX + 1))
  local sport=$((BASE_PORT + 2 * INDEX)) cport=$((BASE_PORT + 2 * INDEX + 1))
  local mode=u1 linger=1000 limit=20
  [[ $transport == tcp ]] && mode=t1 linger=0
  # a negative pair may leave one side waiting: it need not wait long
  [[ $sexp != 0 || $cexp != 0 ]] && limit=8
  local common=(-t "$mode" -i 127.0.0.1 -bind_local -m 1 -nostdin -d "$linger"
    -timeout "${limit}s" -timeout_error)

  (cd "$HERE" && exec timeout -k 5 30 sipp -sf "${server[0]}" "${common[@]}" -p "$sport" \
    -trace_err -error_file "$LOG_DIR/$name.server.errors" \
    -trace_msg -message_file "$LOG_DIR/$name.server.messages" \
    "${server[@]:1}" >"$LOG_DIR/$name.server.out" 2>&1) &
  local spid=$!
  track "$spid"
  for ((i = 0; i < 100; i++)); do
    port_ready "$transport" "$sport" && break
    sleep 0.1
  done

  (cd "$HERE" && exec timeout -k 5 30 sipp -sf "${client[0]}" "${common[@]}" -p "$cport" \
    -trace_err -error_file "$LOG_DIR/$name.client.errors" \
    -trace_msg -message_file "$LOG_DIR/$name.client.messages" \
    "${client[@]:1}" "127.0.0.1:$sport" >"$LOG_DIR/$name.client.out" 2>&1) &
  local cpid=$!
  track "$cpid"
  reap "$cpid"
  local crc=$?
  reap "$spid"
  local src=$?

  if rc_matches "$src" "$sexp" && rc_matches "$crc" "$cexp"; then
    pass "$name"
  else
    fail "$name" "server exit $src (expected $sexp), client exit $crc (expected $cexp)"
  fi
}

S=../scenarios
AUTH=(-key auth_user alice -key auth_pass interop-secret)

echo "sipp: $(sipp -v 2>&1 | grep -m1 -o 'SIPp v[^ ]*' | sed 's/[.]$//')"
echo "logs: $LOG_DIR"

echo "== scenarios against partners"
for tr in udp tcp; do
  pair "uas_basic_$tr" "$tr" 0 0 $S/uas_basic.xml -- p_call_basic.xml
  pair "uas_reject_486_$tr" "$tr" 0 0 $S/uas_reject_486.xml -- p_call_reject.xml
  pair "uas_auth_401_$tr" "$tr" 0 0 $S/uas_auth_401.xml "${AUTH[@]}" \
    -- p_call_auth.xml -au alice -ap interop-secret
  pair "uas_bye_far_$tr" "$tr" 0 0 $S/uas_bye_far.xml -- p_call_bye_far.xml
  pair "uas_reinvite_far_$tr" "$tr" 0 0 $S/uas_reinvite_far.xml -- p_call_reinvite.xml
  pair "uas_info_message_$tr" "$tr" 0 0 $S/uas_info_message.xml -- p_call_info_message.xml
  pair "uas_info_message_reversed_$tr" "$tr" 0 0 $S/uas_info_message.xml -- p_call_message_info.xml
  pair "uas_prack_$tr" "$tr" 0 0 $S/uas_prack.xml -- p_call_prack.xml
  pair "uas_hold_$tr" "$tr" 0 0 $S/uas_hold.xml -- p_call_hold.xml -key hold_cseq 2
  pair "uac_basic_$tr" "$tr" 0 0 p_answer_basic.xml -- $S/uac_basic.xml
  pair "uac_cancel_$tr" "$tr" 0 0 p_answer_cancel.xml -- $S/uac_cancel.xml
  pair "uac_options_$tr" "$tr" 0 0 p_answer_options.xml -- $S/uac_options.xml
  pair "uac_message_$tr" "$tr" 0 0 p_answer_message.xml -- $S/uac_message.xml
  pair "uac_prack_$tr" "$tr" 0 0 $S/uas_prack.xml -- $S/uac_prack.xml
done

echo "== negative: the scenario under test must fail"
pair neg_uas_auth_wrong_password udp fail any $S/uas_auth_401.xml "${AUTH[@]}" \
  -- p_call_auth.xml -au alice -ap wrong
pair neg_uas_auth_wrong_user udp fail any $S/uas_auth_401.xml "${AUTH[@]}" \
  -- p_call_auth.xml -au bob -ap interop-secret
pair neg_uas_bye_far_caller_hangs_up udp fail any $S/uas_bye_far.xml -- p_call_basic.xml
pair neg_uas_reinvite_far_not_answered udp fail any $S/uas_reinvite_far.xml -- p_call_bye_far.xml
pair neg_uas_info_message_none_sent udp fail any $S/uas_info_message.xml -- p_call_basic.xml
pair neg_uas_prack_no_100rel udp fail any $S/uas_prack.xml -- p_call_basic.xml
pair neg_uas_hold_cseq_reused udp fail any $S/uas_hold.xml -- p_call_hold.xml -key hold_cseq 1
pair neg_uas_hold_no_reinvite udp fail any $S/uas_hold.xml -- p_call_basic.xml
pair neg_uac_basic_rejected udp any fail $S/uas_reject_486.xml -- $S/uac_basic.xml
pair neg_uac_cancel_answered udp any fail p_answer_basic.xml -- $S/uac_cancel.xml
pair neg_uac_options_unanswered udp any fail p_answer_message.xml -- $S/uac_options.xml
pair neg_uac_message_unanswered udp any fail p_answer_options.xml -- $S/uac_message.xml
pair neg_uac_prack_unreliable udp any fail p_answer_basic.xml -- $S/uac_prack.xml

echo "== loss: -lost 10 on the scenario under test"
for ((run = 1; run <= LOST_RUNS; run++)); do
  pair "lost10_uas_basic_$run" udp 0 0 $S/uas_basic.xml -lost 10 -d 4000 -- p_call_basic.xml
  pair "lost10_uac_basic_$run" udp 0 0 p_answer_basic.xml -d 4000 -- $S/uac_basic.xml -lost 10
done

echo "== run.sh with fake-sip-harness"
# The three-party cases (REFER, answer -register) have no stand-in flow:
# run.sh with the real binary is what exercises them.
no_fake='^(uas_refer|uac_refer|uac_register)_'
run_port=$((BASE_PORT + 2 * INDEX + 2))
out=$LOG_DIR/run_all.out
SIP_HARNESS=$HERE/fake-sip-harness INTEROP_BASE_PORT=$run_port INTEROP_SKIP="$no_fake" \
  INTEROP_LOG_DIR=$LOG_DIR/run_all INTEROP_LOST_RUNS=2 "$RUN" >"$out" 2>&1
rc=$?
sed 's/^/    /' "$out"
if [[ $rc -eq 0 ]] && grep -q '^[1-9][0-9]* passed, 0 failed$' "$out" && ! grep -q '^FAIL' "$out"; then
  pass run_all
else
  fail run_all "run.sh exit $rc"
fi

broken='^uas_(reject_486|auth_401|bye_far|info_message|prack)_tcp$|^uac_(basic|message)_tcp$'
out=$LOG_DIR/run_broken.out
SIP_HARNESS=$HERE/fake-sip-harness INTEROP_BASE_PORT=$run_port INTEROP_SKIP="$no_fake" \
  INTEROP_LOG_DIR=$LOG_DIR/run_broken FAKE_BREAK="$broken" \
  "$RUN" '_tcp$' >"$out" 2>&1
rc=$?
sed 's/^/    /' "$out"
expected_fail=$(printf '%s\n' uas_reject_486_tcp uas_auth_401_tcp uas_bye_far_tcp \
  uas_info_message_tcp uas_prack_tcp uac_basic_tcp uac_message_tcp | sort)
actual_fail=$(sed -n 's/^FAIL  \([^:]*\):.*/\1/p' "$out" | sort)
if [[ $rc -eq 1 && $actual_fail == "$expected_fail" ]] && grep -q '^9 passed, 7 failed$' "$out"; then
  pass run_broken
else
  fail run_broken "run.sh exit $rc; failed: ${actual_fail//$'\n'/ }"
fi

echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]

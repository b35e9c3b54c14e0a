//! SIP.js's `session.spec.ts` ("API Session"), ported to scenarios
//! between our own user agents (`sip_harness::scenarios::session_spec`):
//! each on a perfect network, where the scenario checks the exact
//! messages, states and final statuses; all of them in a seed sweep under
//! loss, duplication and reordering; ladders of the main flows as
//! snapshots.

use sip_harness::scenarios::session_spec::SCENARIOS;

mod spec_common;
use spec_common::*;

/// Each case once per seed on a perfect network (the scenario checks the
/// exact messages, states and statuses).
macro_rules! perfect_network {
    ($($test:ident => $name:literal;)*) => {$(
        #[test]
        fn $test() {
            perfect($name);
        }
    )*};
}

perfect_network! {
    session_construct_only => "session-construct-only";
    session_cancel_immediate => "session-cancel-immediate";
    session_cancel_immediate_no_sdp => "session-cancel-immediate-no-sdp";
    session_cancel_after_ringing => "session-cancel-after-ringing";
    session_cancel_after_ringing_no_sdp => "session-cancel-after-ringing-no-sdp";
    session_cancel_then_accept => "session-cancel-then-accept";
    session_accept_then_cancel => "session-accept-then-cancel";
    session_accept_then_cancel_no_sdp => "session-accept-then-cancel-no-sdp";
    session_accept_without_description => "session-accept-without-description";
    session_accept_without_description_no_sdp => "session-accept-without-description-no-sdp";
    session_no_response_408 => "session-no-response-408";
    session_send_fails_503 => "session-send-fails-503";
    session_accept => "session-accept";
    session_accept_no_sdp => "session-accept-no-sdp";
    session_accept_twice => "session-accept-twice";
    session_accept_then_bye => "session-accept-then-bye";
    session_bye_twice => "session-bye-twice";
    session_no_initial_provisional => "session-no-initial-provisional";
    session_2xx_without_description => "session-2xx-without-description";
    session_2xx_without_description_no_sdp => "session-2xx-without-description-no-sdp";
    session_answer_refused => "session-answer-refused";
    session_answer_refused_no_sdp => "session-answer-refused-no-sdp";
    session_ack_without_answer_no_sdp => "session-ack-without-answer-no-sdp";
    session_ack_answer_refused_no_sdp => "session-ack-answer-refused-no-sdp";
    session_ack_lost_once => "session-ack-lost-once";
    session_ack_lost_once_no_sdp => "session-ack-lost-once-no-sdp";
    session_ack_never_arrives => "session-ack-never-arrives";
    session_ack_never_arrives_no_sdp => "session-ack-never-arrives-no-sdp";
    session_accept_bye_ack_lost => "session-accept-bye-ack-lost";
    session_reject => "session-reject";
    session_reject_ack_lost => "session-reject-ack-lost";
    session_dispose_before_answer => "session-dispose-before-answer";
    session_no_answer_timeout => "session-no-answer-timeout";
    session_progress_twice => "session-progress-twice";
    session_reliable_progress_twice => "session-reliable-progress-twice";
    session_progress_cancel_accept => "session-progress-cancel-accept";
    session_reliable_progress_cancel_accept => "session-reliable-progress-cancel-accept";
    session_reliable_progress_accept_dispose => "session-reliable-progress-accept-dispose";
    session_provisional_trees_1 => "session-provisional-trees-1";
    session_provisional_trees_1_no_sdp => "session-provisional-trees-1-no-sdp";
    session_provisional_trees_2 => "session-provisional-trees-2";
    session_provisional_trees_2_no_sdp => "session-provisional-trees-2-no-sdp";
    session_provisional_trees_3 => "session-provisional-trees-3";
    session_provisional_trees_3_no_sdp => "session-provisional-trees-3-no-sdp";
    session_early_media_off => "session-early-media-off";
    session_early_media_off_183_twice => "session-early-media-off-183-twice";
    session_early_media_on => "session-early-media-on";
    session_early_media_on_183_twice => "session-early-media-on-183-twice";
    session_forking_both_accept => "session-forking-both-accept";
    session_forking_both_accept_no_sdp => "session-forking-both-accept-no-sdp";
    session_forking_reliable => "session-forking-reliable";
    session_forking_reliable_no_sdp => "session-forking-reliable-no-sdp";
    session_forking_early_media => "session-forking-early-media";
}

#[test]
fn every_case_is_tested_here() {
    let listed = [
        "session-construct-only",
        "session-cancel-immediate",
        "session-cancel-immediate-no-sdp",
        "session-cancel-after-ringing",
        "session-cancel-after-ringing-no-sdp",
        "session-cancel-then-accept",
        "session-accept-then-cancel",
        "session-accept-then-cancel-no-sdp",
        "session-accept-without-description",
        "session-accept-without-description-no-sdp",
        "session-no-response-408",
        "session-send-fails-503",
        "session-accept",
        "session-accept-no-sdp",
        "session-accept-twice",
        "session-accept-then-bye",
        "session-bye-twice",
        "session-no-initial-provisional",
        "session-2xx-without-description",
        "session-2xx-without-description-no-sdp",
        "session-answer-refused",
        "session-answer-refused-no-sdp",
        "session-ack-without-answer-no-sdp",
        "session-ack-answer-refused-no-sdp",
        "session-ack-lost-once",
        "session-ack-lost-once-no-sdp",
        "session-ack-never-arrives",
        "session-ack-never-arrives-no-sdp",
        "session-accept-bye-ack-lost",
        "session-reject",
        "session-reject-ack-lost",
        "session-dispose-before-answer",
        "session-no-answer-timeout",
        "session-progress-twice",
        "session-reliable-progress-twice",
        "session-progress-cancel-accept",
        "session-reliable-progress-cancel-accept",
        "session-reliable-progress-accept-dispose",
        "session-provisional-trees-1",
        "session-provisional-trees-1-no-sdp",
        "session-provisional-trees-2",
        "session-provisional-trees-2-no-sdp",
        "session-provisional-trees-3",
        "session-provisional-trees-3-no-sdp",
        "session-early-media-off",
        "session-early-media-off-183-twice",
        "session-early-media-on",
        "session-early-media-on-183-twice",
        "session-forking-both-accept",
        "session-forking-both-accept-no-sdp",
        "session-forking-reliable",
        "session-forking-reliable-no-sdp",
        "session-forking-early-media",
    ];
    let registered: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
    assert_eq!(registered, listed);
}

#[test]
fn cancel_after_ringing_ladder() {
    insta::assert_snapshot!(ladder("session-cancel-after-ringing"));
}

#[test]
fn accept_then_cancel_ladder() {
    insta::assert_snapshot!(ladder("session-accept-then-cancel"));
}

#[test]
fn accept_without_sdp_ladder() {
    insta::assert_snapshot!(ladder("session-accept-no-sdp"));
}

#[test]
fn ack_never_arrives_ladder() {
    let l = ladder("session-ack-never-arrives");
    assert_eq!(l.matches("200 OK").count(), 11 + 1, "{l}");
    insta::assert_snapshot!(l);
}

#[test]
fn reliable_progress_ladder() {
    insta::assert_snapshot!(ladder("session-reliable-progress-twice"));
}

#[test]
fn forking_both_accept_ladder() {
    insta::assert_snapshot!(ladder("session-forking-both-accept"));
}

/// The same seed and faults give the same trace bytes (what `sip-harness
/// replay` relies on), for every ported case.
#[test]
fn ported_cases_replay_byte_identically() {
    assert_replays(SCENARIOS, 2);
}

/// Every ported case, 120 seeds each under 20% loss, 10% duplication,
/// 10% reordering and 10 ms jitter: each call completes or fails with the
/// status the RFCs predict (the scenario decides), and every request gets
/// a final response.
#[test]
fn ported_cases_survive_faults_over_120_seeds() {
    let names: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
    let failures = sweep_these(&names, 120);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! Realistic SIP messages for the parser benchmarks.

pub const SDP: &str = "v=0\r\n\
o=alice 2890844526 2890844526 IN IP4 client.atlanta.example.com\r\n\
s=-\r\n\
c=IN IP4 192.0.2.101\r\n\
t=0 0\r\n\
m=audio 49172 RTP/AVP 0 8 101\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\n\
a=ptime:20\r\n\
a=sendrecv\r\n";

fn with_body(head: &str, body: &str) -> Vec<u8> {
    let mut m = head.replace("{len}", &body.len().to_string()).into_bytes();
    m.extend_from_slice(body.as_bytes());
    m
}

pub fn all() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("invite", invite()),
        ("trying", b"SIP/2.0 100 Trying\r\n\
Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101\r\n\
From: \"Alice\" <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
To: \"Bob\" <sip:bob@biloxi.example.com>\r\n\
Call-ID: 3848276298220188511@atlanta.example.com\r\n\
CSeq: 1 INVITE\r\n\
Content-Length: 0\r\n\r\n".to_vec()),
        ("ringing", b"SIP/2.0 180 Ringing\r\n\
Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101\r\n\
From: \"Alice\" <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
To: \"Bob\" <sip:bob@biloxi.example.com>;tag=8321234356\r\n\
Call-ID: 3848276298220188511@atlanta.example.com\r\n\
CSeq: 1 INVITE\r\n\
Contact: <sip:bob@client.biloxi.example.com;transport=udp>\r\n\
Content-Length: 0\r\n\r\n".to_vec()),
        ("ok_sdp", with_body("SIP/2.0 200 OK\r\n\
Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101\r\n\
From: \"Alice\" <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
To: \"Bob\" <sip:bob@biloxi.example.com>;tag=8321234356\r\n\
Call-ID: 3848276298220188511@atlanta.example.com\r\n\
CSeq: 1 INVITE\r\n\
Contact: <sip:bob@client.biloxi.example.com;transport=udp>\r\n\
Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, UPDATE, PRACK, REFER, NOTIFY, INFO, MESSAGE\r\n\
Supported: replaces, timer\r\n\
Content-Type: application/sdp\r\n\
Content-Length: {len}\r\n\r\n", SDP)),
        ("ack", b"ACK sip:bob@client.biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74b76\r\n\
Max-Forwards: 70\r\n\
From: \"Alice\" <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
To: \"Bob\" <sip:bob@biloxi.example.com>;tag=8321234356\r\n\
Call-ID: 3848276298220188511@atlanta.example.com\r\n\
CSeq: 1 ACK\r\n\
Content-Length: 0\r\n\r\n".to_vec()),
        ("bye", b"BYE sip:alice@client.atlanta.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP client.biloxi.example.com:5060;branch=z9hG4bKnashds7\r\n\
Max-Forwards: 70\r\n\
From: \"Bob\" <sip:bob@biloxi.example.com>;tag=8321234356\r\n\
To: \"Alice\" <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
Call-ID: 3848276298220188511@atlanta.example.com\r\n\
CSeq: 1 BYE\r\n\
Content-Length: 0\r\n\r\n".to_vec()),
        ("register_auth", b"REGISTER sip:registrar.biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7\r\n\
Max-Forwards: 70\r\n\
From: Bob <sip:bob@biloxi.example.com>;tag=456248\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
Call-ID: 843817637684230@998sdasdh09\r\n\
CSeq: 1826 REGISTER\r\n\
Contact: <sip:bob@192.0.2.4>;expires=7200\r\n\
Authorization: Digest username=\"bob\", realm=\"biloxi.example.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"sip:registrar.biloxi.example.com\", response=\"245f23415f11432b3434341c022\", algorithm=MD5, cnonce=\"0a4f113b\", qop=auth, nc=00000001, opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"\r\n\
Content-Length: 0\r\n\r\n".to_vec()),
        ("unauthorized", b"SIP/2.0 401 Unauthorized\r\n\
Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7;received=192.0.2.4\r\n\
From: Bob <sip:bob@biloxi.example.com>;tag=456248\r\n\
To: Bob <sip:bob@biloxi.example.com>;tag=2493k59kd\r\n\
Call-ID: 843817637684230@998sdasdh09\r\n\
CSeq: 1826 REGISTER\r\n\
WWW-Authenticate: Digest realm=\"biloxi.example.com\", qop=\"auth\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", algorithm=SHA-256\r\n\
Content-Length: 0\r\n\r\n".to_vec()),
        ("message", with_body("MESSAGE sip:user2@domain.example.com SIP/2.0\r\n\
Via: SIP/2.0/TCP user1pc.domain.example.com;branch=z9hG4bK776sgdkse\r\n\
Max-Forwards: 70\r\n\
From: sip:user1@domain.example.com;tag=49583\r\n\
To: sip:user2@domain.example.com\r\n\
Call-ID: asd88asd77a@1.2.3.4\r\n\
CSeq: 1 MESSAGE\r\n\
Content-Type: text/plain\r\n\
Content-Length: {len}\r\n\r\n", "Watson, come here.")),
        ("notify_sipfrag", with_body("NOTIFY sip:alice@client.atlanta.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP client.biloxi.example.com:5060;branch=z9hG4bK9922ef992-25\r\n\
Max-Forwards: 70\r\n\
From: <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n\
To: <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710\r\n\
CSeq: 73 NOTIFY\r\n\
Contact: <sip:bob@client.biloxi.example.com>\r\n\
Event: refer\r\n\
Subscription-State: active;expires=60\r\n\
Content-Type: message/sipfrag;version=2.0\r\n\
Content-Length: {len}\r\n\r\n", "SIP/2.0 200 OK\r\n")),
        ("invite_3_proxies", invite_proxied()),
    ]
}

pub fn invite() -> Vec<u8> {
    with_body(
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;rport\r\n\
Max-Forwards: 70\r\n\
From: \"Alice\" <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
To: \"Bob\" <sip:bob@biloxi.example.com>\r\n\
Call-ID: 3848276298220188511@atlanta.example.com\r\n\
CSeq: 1 INVITE\r\n\
Contact: <sip:alice@client.atlanta.example.com;transport=udp>\r\n\
Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, UPDATE, PRACK, REFER, NOTIFY, INFO, MESSAGE\r\n\
Supported: replaces, timer, 100rel\r\n\
User-Agent: sip-rs/0.1\r\n\
Content-Type: application/sdp\r\n\
Content-Length: {len}\r\n\r\n",
        &(SDP.to_string() + "a=rtcp-mux\r\na=label:main-audio-stream-0001\r\na=mid:0\r\n"),
    )
}

pub fn invite_proxied() -> Vec<u8> {
    with_body(
        "INVITE sip:bob@client.biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP ss2.biloxi.example.com:5060;branch=z9hG4bK721e418c4.1\r\n\
Via: SIP/2.0/UDP ss1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1;received=192.0.2.111\r\n\
Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101\r\n\
Max-Forwards: 68\r\n\
Record-Route: <sip:ss2.biloxi.example.com;lr>\r\n\
Record-Route: <sip:ss1.atlanta.example.com;lr>\r\n\
From: \"Alice\" <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
To: \"Bob\" <sip:bob@biloxi.example.com>\r\n\
Call-ID: 2xTb9vxSit55XU7p8@atlanta.example.com\r\n\
CSeq: 1 INVITE\r\n\
Contact: <sip:alice@client.atlanta.example.com>\r\n\
Content-Type: application/sdp\r\n\
Content-Length: {len}\r\n\r\n",
        SDP,
    )
}

#!/usr/bin/env python3
"""Generate the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/).

Seeds are the real messages and records of RFC 8448, read from tests/unit/rfc8448.h so that
there is one copy of those bytes, plus a few hand-made variants that reach other paths
(HelloRetryRequest, TLS 1.2 shapes, extension rules, sealed records). Run from anywhere:

    python3 tests/fuzz/make_corpus.py

Each target directory is rewritten from scratch; the files are committed.
"""
import os
import re
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
RFC_H = os.path.join(HERE, '..', 'unit', 'rfc8448.h')
OUT = os.path.join(HERE, 'corpus')


def load_rfc8448():
    """The RFC8448_* macros of rfc8448.h as bytes."""
    text = open(RFC_H).read()
    macros = {}
    for m in re.finditer(r'#define (RFC8448_\w+)((?:[^\n]*\\\n)*[^\n]*)', text):
        hexstr = ''.join(re.findall(r'"([0-9a-fA-F ]*)"', m.group(2))).replace(' ', '')
        macros[m.group(1)] = bytes.fromhex(hexstr)
    return macros


R = load_rfc8448()


def body(msg):
    """A handshake message without its 4-byte header (the parsers take bodies)."""
    assert int.from_bytes(msg[1:4], 'big') == len(msg) - 4
    return msg[4:]


def u8(v):
    return struct.pack('>B', v)


def u16(v):
    return struct.pack('>H', v)


def u24(v):
    return struct.pack('>I', v)[1:]


def u32(v):
    return struct.pack('>I', v)


def vec8(b):
    return u8(len(b)) + b


def vec16(b):
    return u16(len(b)) + b


def vec24(b):
    return u24(len(b)) + b


def ext(t, b=b''):
    return u16(t) + vec16(b)


# Extension types.
SERVER_NAME, STATUS_REQUEST, SUPPORTED_GROUPS, EC_POINT_FORMATS = 0, 5, 10, 11
SIGNATURE_ALGORITHMS, ALPN, SCT, PADDING, EMS, RSL, SESSION_TICKET = 13, 16, 18, 21, 23, 28, 35
PSK, EARLY_DATA, SUPPORTED_VERSIONS, COOKIE, PSK_MODES, CAS = 41, 42, 43, 44, 45, 47
OID_FILTERS, PHA, SIGALGS_CERT, KEY_SHARE, RENEG = 48, 49, 50, 51, 0xff01

# Internal ids (enum nssl_ext_id order) for `offered` masks.
IDS = [SERVER_NAME, STATUS_REQUEST, SUPPORTED_GROUPS, EC_POINT_FORMATS, SIGNATURE_ALGORITHMS,
       ALPN, SCT, PADDING, EMS, RSL, SESSION_TICKET, PSK, EARLY_DATA, SUPPORTED_VERSIONS, COOKIE,
       PSK_MODES, CAS, OID_FILTERS, PHA, SIGALGS_CERT, KEY_SHARE, RENEG]


def mask(*types):
    m = 0
    for t in types:
        m |= 1 << IDS.index(t)
    return m


HRR_RANDOM = bytes.fromhex('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c')
SIGALGS = vec16(bytes.fromhex('04030503060308040805080608070401'))


def client_hello(exts, sid=b'', suites=b'\x13\x01\x13\x02\x13\x03'):
    return (u16(0x0303) + bytes(range(32)) + vec8(sid) + vec16(suites) + b'\x01\x00' +
            (vec16(b''.join(exts)) if exts is not None else b''))


def server_hello(exts, random=bytes(range(32, 64)), sid=b'', suite=0x1301):
    return (u16(0x0303) + random + vec8(sid) + u16(suite) + b'\x00' +
            (vec16(b''.join(exts)) if exts is not None else b''))


def cert_entry(der, exts=b''):
    return vec24(der) + vec16(exts)


def nst(lifetime, nonce, ticket, exts):
    return u32(lifetime) + u32(0x01020304) + vec8(nonce) + vec16(ticket) + vec16(exts)


def ext_seed(msg_index, offered, block, union=False):
    return u8(msg_index | (8 if union else 0)) + u32(offered) + block


def ext_block_of(msg_body, offset):
    """The extensions block (without its length) starting at offset in a body."""
    n = int.from_bytes(msg_body[offset:offset + 2], 'big')
    return msg_body[offset + 2:offset + 2 + n]


CH = body(R['RFC8448_CLIENT_HELLO'])
CH1 = body(R['RFC8448_HRR_CLIENT_HELLO1'])
SH = body(R['RFC8448_SERVER_HELLO'])
HRR = body(R['RFC8448_HELLO_RETRY_REQUEST'])
EE = body(R['RFC8448_ENCRYPTED_EXTENSIONS'])
CERT = body(R['RFC8448_CERTIFICATE'])
CR = body(R['RFC8448_CERTIFICATE_REQUEST'])
CV = body(R['RFC8448_CERTIFICATE_VERIFY'])
NST = body(R['RFC8448_NEW_SESSION_TICKET'])
SFIN = body(R['RFC8448_SERVER_FINISHED'])
CFIN = body(R['RFC8448_CLIENT_FINISHED'])
RFC_OFFERED = mask(SERVER_NAME, RENEG, SUPPORTED_GROUPS, SESSION_TICKET, KEY_SHARE,
                   SUPPORTED_VERSIONS, SIGNATURE_ALGORITHMS, PSK_MODES, RSL)
CH1_OFFERED = RFC_OFFERED
DER = CERT[7:7 + 0x1b0]

SEEDS = {
    'client_hello': {
        'rfc8448_client_hello': CH,
        'rfc8448_hrr_client_hello1': CH1,
        'tls12_no_extensions': client_hello(None),
        'empty_extensions': client_hello([]),
        'psk_last': client_hello([ext(SUPPORTED_VERSIONS, b'\x02\x03\x04'),
                                  ext(PSK_MODES, b'\x01\x01'),
                                  ext(PSK, vec16(vec16(b'id') + u32(7)) + vec16(vec8(b'\x00' * 32)))]),
        'psk_not_last': client_hello([ext(PSK, b'\x00'), ext(SUPPORTED_VERSIONS, b'\x02\x03\x04')]),
        'duplicate': client_hello([ext(SUPPORTED_GROUPS, b'\x00\x02\x00\x1d')] * 2),
        'unknown_and_grease': client_hello([ext(0x0a0a), ext(0xfe0d, b'ech'),
                                            ext(SIGNATURE_ALGORITHMS, SIGALGS)]),
        'session_id_32': client_hello([ext(SUPPORTED_VERSIONS, b'\x02\x03\x04')], sid=b'\x55' * 32),
        'odd_suites': client_hello([], suites=b'\x13\x01\x13'),
        'tls12_extensions': client_hello([ext(EMS), ext(RENEG, b'\x00'), ext(EC_POINT_FORMATS, b'\x01\x00'),
                                          ext(SESSION_TICKET), ext(ALPN, vec16(b'\x02h2\x08http/1.1')),
                                          ext(PADDING, b'\x00' * 40)]),
    },
    'server_hello': {
        'rfc8448_server_hello': SH,
        'rfc8448_hello_retry_request': HRR,
        'tls12_no_extensions': server_hello(None),
        'tls12_extensions': server_hello([ext(EMS), ext(RENEG, b'\x00'), ext(EC_POINT_FORMATS, b'\x01\x00'),
                                          ext(ALPN, vec16(vec8(b'h2')))]),
        'psk_selected': server_hello([ext(SUPPORTED_VERSIONS, b'\x03\x04'), ext(PSK, b'\x00\x00'),
                                      ext(KEY_SHARE, u16(0x17) + vec16(b'\x04' + b'\x11' * 64))]),
        'hrr_cookie': server_hello([ext(SUPPORTED_VERSIONS, b'\x03\x04'), ext(KEY_SHARE, u16(0x18)),
                                    ext(COOKIE, vec16(b'cookie'))], random=HRR_RANDOM),
        'unknown': server_hello([ext(0x1234)]),
        'session_id_echo': server_hello([ext(SUPPORTED_VERSIONS, b'\x03\x04')], sid=b'\x66' * 32),
    },
    'encrypted_extensions': {
        'rfc8448_encrypted_extensions': EE,
        'empty': vec16(b''),
        'alpn': vec16(ext(ALPN, vec16(vec8(b'h2')))),
        'alpn_two_names': vec16(ext(ALPN, vec16(vec8(b'h2') + vec8(b'http/1.1')))),
        'early_data_rsl': vec16(ext(EARLY_DATA) + ext(RSL, b'\x40\x00')),
        'key_share_misplaced': vec16(ext(KEY_SHARE, b'\x00\x1d\x00\x00')),
        'unknown': vec16(ext(0xabcd, b'xyz')),
    },
    'certificate': {
        'rfc8448_certificate': CERT,
        'empty_list': vec8(b'') + vec24(b''),
        'context_two_entries': vec8(b'ctx!') + vec24(cert_entry(DER) + cert_entry(b'\x30\x03\x02\x01\x01')),
        'status_request_sct': vec8(b'') + vec24(cert_entry(DER, ext(STATUS_REQUEST, b'\x01' + vec24(b'ocsp')) +
                                                                ext(SCT, vec16(vec16(b'sct'))))),
        'max_chain': vec8(b'') + vec24(cert_entry(b'\x30\x00') * 10),
        'empty_entry': vec8(b'') + vec24(cert_entry(b'')),
    },
    'certificate_request': {
        'rfc8448_certificate_request': CR,
        'context_cas_unknown': vec8(b'\x01\x02') + vec16(ext(SIGNATURE_ALGORITHMS, SIGALGS) +
                                                         ext(CAS, vec16(vec16(b'\x30\x00'))) +
                                                         ext(0x7777, b'?') + ext(SIGALGS_CERT, SIGALGS) +
                                                         ext(OID_FILTERS, vec16(b'')) +
                                                         ext(STATUS_REQUEST, b'\x01\x00\x00\x00\x00')),
        'missing_sigalgs': vec8(b'') + vec16(ext(CAS, vec16(b''))),
    },
    'certificate_verify': {
        'rfc8448_certificate_verify': CV,
        'ed25519': u16(0x0807) + vec16(b'\x5a' * 64),
        'ecdsa_p256': u16(0x0403) + vec16(b'\x30\x44' + b'\x02\x20' + b'\x11' * 32 + b'\x02\x20' + b'\x22' * 32),
    },
    'new_session_ticket': {
        'rfc8448_new_session_ticket': NST,
        'seven_days': nst(604800, b'', b'T', b''),
        'too_long': nst(604801, b'\x00', b'T', b''),
        'unknown_ext': nst(60, b'\x01\x02', b'ticket' * 10, ext(0x5555, b'?') + ext(EARLY_DATA, u32(1024))),
    },
    'key_update': {
        'not_requested': b'\x00',
        'requested': b'\x01',
        'illegal': b'\x02',
        'rfc8448_server_finished': SFIN,
        'rfc8448_client_finished': CFIN,
        'sha384_finished': b'\xa5' * 48,
    },
    'ext': {
        'ch_rfc8448': ext_seed(0, 0, ext_block_of(CH, 45)),
        'sh_rfc8448': ext_seed(1, RFC_OFFERED, ext_block_of(SH, 38)),
        'sh_union_rfc8448': ext_seed(1, RFC_OFFERED, ext_block_of(SH, 38), union=True),
        'hrr_rfc8448': ext_seed(2, CH1_OFFERED, ext_block_of(HRR, 38)),
        'ee_rfc8448': ext_seed(3, RFC_OFFERED, ext_block_of(EE, 0)),
        'ct_status_request': ext_seed(4, mask(STATUS_REQUEST, SCT),
                                      ext(STATUS_REQUEST, b'\x01\x00\x00\x01\x00') + ext(SCT, b'\x00\x00')),
        'cr_rfc8448': ext_seed(5, 0, ext_block_of(CR, 1)),
        'nst_rfc8448': ext_seed(6, 0, ext_block_of(NST, 191)),
        'sh12': ext_seed(7, 0xffffffff, ext(EMS) + ext(RENEG, b'\x00') + ext(EC_POINT_FORMATS, b'\x01\x00')),
        'duplicate': ext_seed(0, 0, ext(KEY_SHARE) + ext(KEY_SHARE)),
        'psk_then_unknown': ext_seed(0, 0, ext(PSK, b'x') + ext(0x0a0a)),
        'unsolicited': ext_seed(3, 0, ext(ALPN, vec16(vec8(b'h2')))),
        'tail_with_length': ext_seed(0, 0, vec16(ext(SUPPORTED_VERSIONS, b'\x02\x03\x04'))),
    },
    'record': {
        # Mode byte, then records (see fuzz_record.c).
        'rfc8448_server_flight': b'\x00' + R['RFC8448_SERVER_FLIGHT_RECORD'],
        'rfc8448_client_finished': b'\x01' + R['RFC8448_CLIENT_FINISHED_RECORD'],
        'rfc8448_server_application': b'\x02' + R['RFC8448_NST_RECORD'] +
                                      R['RFC8448_SERVER_APPDATA_RECORD'] + R['RFC8448_SERVER_ALERT_RECORD'],
        'rfc8448_client_application': b'\x03' + R['RFC8448_CLIENT_APPDATA_RECORD'] +
                                      R['RFC8448_CLIENT_ALERT_RECORD'],
        'plaintext_records': b'\x09' + b'\x16\x03\x01\x00\x05hello' + b'\x15\x03\x03\x00\x02\x02\x32',
        'bad_header': b'\x04' + b'\x18\x03\x03\x00\x01\x00',
        'sealed13_aes256_padded': b'\x84' + b'hello' + b'\x17' + b'\x00' * 20,
        'sealed13_chacha_zeros': b'\x85' + b'\x00' * 16,
        'sealed13_rfc_key_handshake': b'\x80' + R['RFC8448_ENCRYPTED_EXTENSIONS'] + b'\x16',
        'sealed12_gcm': b'\x86' + b'GET / HTTP/1.1\r\n\r\n',
        'sealed12_gcm256': b'\x87' + bytes(range(256)),
        'sealed12_chacha': b'\x88' + b'\x00',
        'sealed_plaintext': b'\x89' + b'abc',
        # At the limits: a TLSInnerPlaintext of exactly 2^14 + 1 bytes, a TLS 1.2 record of 2^14.
        'sealed13_at_limit': b'\x85' + b'a' * 16384 + b'\x17',
        'sealed13_padding_at_limit': b'\x84' + b'a' + b'\x17' + b'\x00' * 16383,
        'sealed12_at_limit': b'\x88' + b'b' * 16384,
        # Found by fuzz_record: 2^14 + 2 bytes of TLSInnerPlaintext, mostly padding, must be
        # record_overflow (RFC 8446 5.4).
        'regress_padding_overflow': b'\x84' + b'a' + b'\x17' + b'\x00' * 16384,
    },
}


# TLS 1.2 messages (RFC 5246 7.4, RFC 8422 5.4 and 5.7, RFC 5077 3.3).
P256_POINT = b'\x04' + bytes(range(1, 65))
SKE_PARAMS = u8(3) + u16(0x0017) + vec8(P256_POINT)
ECDSA_SIG = b'\x30\x44' + b'\x02\x20' + b'\x11' * 32 + b'\x02\x20' + b'\x22' * 32
SEEDS.update({
    'server_key_exchange': {
        'p256_ecdsa': SKE_PARAMS + u16(0x0403) + vec16(ECDSA_SIG),
        'x25519_rsa_pss': (u8(3) + u16(0x001d) + vec8(bytes(range(32))) + u16(0x0804) +
                           vec16(b'\x5a' * 256)),
        'p384_ecdsa': (u8(3) + u16(0x0018) + vec8(b'\x04' + b'\x33' * 96) + u16(0x0503) +
                       vec16(ECDSA_SIG)),
        'explicit_prime': u8(1) + SKE_PARAMS[1:] + u16(0x0403) + vec16(ECDSA_SIG),
        'empty_signature': SKE_PARAMS + u16(0x0403) + vec16(b''),
        'empty_point': u8(3) + u16(0x0017) + vec8(b'') + u16(0x0403) + vec16(ECDSA_SIG),
        # The same bytes also feed ClientKeyExchange and ServerHelloDone.
        'cke_p256': vec8(P256_POINT),
        'cke_x25519': vec8(bytes(range(32))),
        'server_hello_done': b'',
    },
    'certificate12': {
        'rfc8448_der': vec24(vec24(DER)),
        'two_entries': vec24(vec24(DER) + vec24(b'\x30\x03\x02\x01\x01')),
        'empty_list': vec24(b''),
        'max_chain': vec24(vec24(b'\x30\x00') * 10),
        'over_max_chain': vec24(vec24(b'\x30\x00') * 11),
        'empty_entry': vec24(vec24(b'')),
    },
    'certificate_request12': {
        'rsa_ecdsa_cas': vec8(b'\x01\x40') + vec16(bytes.fromhex('040308040401')) +
                         vec16(vec16(b'\x30\x03\x02\x01\x01') + vec16(b'\x30\x00')),
        'no_cas': vec8(b'\x40') + vec16(bytes.fromhex('0403')) + vec16(b''),
        'odd_sigalgs': vec8(b'\x40') + vec16(bytes.fromhex('040308')) + vec16(b''),
        'empty_types': vec8(b'') + vec16(bytes.fromhex('0403')) + vec16(b''),
        'empty_dn': vec8(b'\x40') + vec16(bytes.fromhex('0403')) + vec16(vec16(b'')),
    },
    'new_session_ticket12': {
        'ticket': u32(7200) + vec16(b'ticket' * 8),
        'empty_ticket': u32(0) + vec16(b''),
        'max_hint': u32(0xffffffff) + vec16(b'T'),
        # The same bytes also feed the ServerHello extension checks.
        'reneg_info_initial': b'\x00',
        'reneg_info_renegotiated': vec8(b'\x01' * 12),
        'ec_point_formats': vec8(b'\x00\x01\x02'),
        'ec_point_formats_compressed_only': vec8(b'\x01'),
    },
})


def ticket_state(version=0x0304, suite=0x1301, secret=b'\x5e' * 32, verify=0, der=b'',
                 alpn=b'', host=b'', fmt=4, app=0, cb=0, code=0, depth=0, tsrc=None,
                 window=(0x6a000000, 0x80000000)):
    """The session state of session/ticket.h (format 4: client_verify, the certificate
    callback's decision, the time source the certificate was validated at, and host). By
    default a certificate whose dates were checked was validated at a known time."""
    if tsrc is None:
        tsrc = 1 if verify & 4 else 0
    times = u8(tsrc)
    for t in (window[0] + 100, window[0], window[1]) if tsrc else (0, 0, 0):
        times += u32(t >> 32) + u32(t & 0xffffffff)
    return (u8(fmt) + u16(version) + u16(suite) + u32(0x18b) + u32(0xcfe56800) + u32(7200) +
            u32(0xdeadbeef) + vec8(secret) + u16(0x0403) + u8(verify) + u8(app) +
            u32(cb >> 32) + u32(cb & 0xffffffff) + u32(code) + u8(depth) + times +
            vec16(der) + vec8(alpn) + vec8(host))


SEEDS['ticket_state'] = {
    'tls13_minimal': ticket_state(),
    'tls13_client_cert_sni': ticket_state(verify=5, der=DER, alpn=b'h2', host=b'a.example'),
    'tls12_master': ticket_state(0x0303, 0xc02f, b'\x11' * 48, host=b'localhost'),
    'all_checks_long_host': ticket_state(verify=7, der=b'\x30\x00', host=b'h' * 255),
    'format1_refused': ticket_state(fmt=1),
    'cert_without_verify': ticket_state(der=b'\x30\x00'),
    'verify_without_cert': ticket_state(verify=1),
    'verify_unknown_bits': ticket_state(verify=0x9, der=b'\x30\x00'),
    # The certificate callback's decision (format 3): agreed under NSSL_VERIFY_NONE, an
    # override with its failure, and inconsistent records.
    'format2_refused': ticket_state(fmt=2),
    'cb_agreed_unverified': ticket_state(der=DER, app=1, cb=0x0123456789abcdef),
    'cb_agreed_verified': ticket_state(verify=7, der=DER, app=1, cb=7),
    'cb_override': ticket_state(verify=5, der=DER, app=2, cb=0xfedcba9876543210, code=20,
                                depth=1),
    'cb_override_no_code': ticket_state(verify=5, der=DER, app=2, cb=1),
    'cb_override_unverified': ticket_state(der=DER, app=2, cb=1, code=18),
    'cb_without_decision': ticket_state(verify=5, der=DER, cb=9),
    'cb_decision_unknown': ticket_state(verify=5, der=DER, app=3, cb=9),
    'cb_code_when_agreed': ticket_state(verify=5, der=DER, app=1, cb=9, code=10),
    # The shapes of the format 1 seeds, in the current format.
    'bad_format': ticket_state(fmt=0xff),
    'bad_version': ticket_state(version=0x0302),
    'secret_empty': ticket_state(secret=b''),
    'secret_min': ticket_state(secret=b'\x01'),
    'secret_too_long': ticket_state(secret=b'\x01' * 49),
    'tls12_client_auth': ticket_state(0x0303, 0xc02b, b'\x22' * 48, verify=5, der=DER),
    'tls13_client_auth_alpn': ticket_state(verify=7, der=DER, alpn=b'http/1.1'),
    'tls13_sha384': ticket_state(suite=0x1302, secret=b'\x33' * 48),
    # The time source (format 4, issue 16 item 1): a floor, a source without a date check, an
    # unknown source value, and format 3 refused.
    'format3_refused': ticket_state(fmt=3),
    'time_floor_anchor': ticket_state(verify=7, der=DER, tsrc=4),
    'time_without_date_check': ticket_state(verify=3, der=DER, tsrc=1),
    'time_source_unknown': ticket_state(verify=7, der=DER, tsrc=5),
}

# pki_import (fuzz_pki_import.c): byte 0 picks the import path; the rest is a fixture of
# tests/certs. The engine_* corpora come from record_transcripts.c and certstore_file from
# make_store_seeds.sh (both need a build); this script leaves them alone.
CERTS = os.path.join(HERE, '..', 'certs')


def fixture(name):
    with open(os.path.join(CERTS, name), 'rb') as f:
        return f.read()


def credential(cert, key, pem, chain=False):
    return u8(4 | (8 if pem else 0) | (16 if chain else 0)) + u16(len(cert)) + cert + key


SEEDS['pki_import'] = {
    'anchors_pem': u8(0) + fixture('root-ca.pem'),
    'anchors_pem_bundle': u8(0) + fixture('server-p256-chain.pem'),
    'anchors_der': u8(1) + fixture('root-ca.der'),
    'crl_pem': u8(2) + fixture('policy/int-ca-numbered.crl'),
    'crl_der_garbage': u8(3) + b'\x30\x03\x02\x01\x00',
    'credential_pem': credential(fixture('client-p256-chain.pem'), fixture('client-p256.key'), 1),
    'credential_der_chain': credential(fixture('server-p256.der'), fixture('server-p256.key'),
                                       0, True),
    'tool_certs_pem': u8(5) + fixture('server-p256-chain.pem'),
    'tool_certs_der': u8(5) + fixture('int-ca.der'),
    'tool_crls': u8(6) + fixture('policy/int-ca-nonumber.crl'),
    'tool_key_pem': u8(7) + fixture('server-p256.key'),
}

# certificate_status (fuzz_certificate_status.c): byte 0 picks the input. No OCSP response is
# committed: modes 1 and 2 change or cut the good response the target makes at start-up.
SEEDS['certificate_status'] = {
    'framing_ocsp': b'\x00' + u8(1) + vec24(b'\x30\x03\x0a\x01\x00'),
    'framing_other_type': b'\x00' + u8(2) + vec24(b'\x30'),
    'framing_empty': b'\x00' + u8(1) + u24(0),
    'framing_trailing': b'\x00' + u8(1) + vec24(b'\x30') + b'\x00',
    'good_untouched': b'\x01' + u16(0),
    'patch_status_byte': b'\x01' + u16(6) + b'\x01',
    'patch_tail': b'\x01' + u16(0xfff0) + b'\xff\xff',
    'cut_half': b'\x02' + u16(120),
    'cut_whole': b'\x02' + u16(0xffff),
    # Mode 3: a TLS 1.3 Certificate whose entries carry statuses (RFC 8446 4.4.2.1).
    'entries_two_statuses': b'\x03' + vec8(b'') + vec24(
        cert_entry(b'\x30\x00', ext(STATUS_REQUEST, u8(1) + vec24(b'\x30\x03\x0a\x01\x00'))) +
        cert_entry(b'\x30\x01\x00', ext(STATUS_REQUEST, u8(1) + vec24(b'\x30\x00')))),
    'entries_intermediate_only': b'\x03' + vec8(b'') + vec24(
        cert_entry(b'\x30\x00') +
        cert_entry(b'\x30\x00', ext(STATUS_REQUEST, u8(1) + vec24(b'\x30\x03\x0a\x01\x01')))),
    'entries_bad_type': b'\x03' + vec8(b'') + vec24(
        cert_entry(b'\x30\x00') +
        cert_entry(b'\x30\x00', ext(STATUS_REQUEST, u8(2) + vec24(b'\x30')))),
    # Mode 4: the intermediate's good response (made at start-up), untouched or patched.
    'int_good_untouched': b'\x04' + u16(0),
    'int_patch_status_byte': b'\x04' + u16(6) + b'\x01',
}

# Inputs found by fuzzing, kept as regression seeds (the script must not drop them).
SEEDS['ext']['regress_psk_then_grease'] = bytes.fromhex('0000 0000 0000 2900 0178 0a0a 0000'.replace(' ', ''))


def main():
    total = 0
    for target, seeds in SEEDS.items():
        d = os.path.join(OUT, target)
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
        for name, data in sorted(seeds.items()):
            with open(os.path.join(d, name), 'wb') as f:
                f.write(data)
            total += 1
    print('wrote %d seeds for %d targets under %s' % (total, len(SEEDS), OUT))


if __name__ == '__main__':
    main()

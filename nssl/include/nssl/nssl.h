/**
 * @file nssl.h
 * @brief NSSL: a TLS 1.3 / TLS 1.2 SDK with the console ("Cafe SSL") NSSL API.
 *
 * Names, signatures and error values follow the console API, so code written for it compiles
 * unchanged. Functions the console did not publish are designed in its style: int32 handles,
 * an int32 result that is 0 (or a non-negative handle) on success and a negative
 * NSSL_ERROR_* value on failure, out-parameters for sizes, and "a NULL buffer asks for the
 * size". Extensions beyond the console API keep the NSSL prefix.
 *
 * Typical client:
 * @code
 *   NSSLInit();
 *   NSSLContextHandle ctx = NSSLCreateContext(0);
 *   NSSLAddServerPKIExternal(ctx, ca_der, ca_len, NSSL_CERT_TYPE_DER);
 *   NSSLConnectionHandle conn = NSSLCreateConnection(ctx, "example.com", 11, 0, fd, 1);
 *   NSSLDoHandshake(conn);
 *   NSSLWrite(conn, req, req_len, &written);
 *   NSSLRead(conn, buf, sizeof(buf), &got);
 *   NSSLShutdown(conn);
 *   NSSLDestroyConnection(conn);
 *   NSSLDestroyContext(ctx);
 *   NSSLFinish();
 * @endcode
 *
 * Typical server (extension, see "Server role"): NSSLCreateServerContext, then
 * NSSLAddServerCertExternal(ctx, cert, certLen, NSSL_CERT_TYPE_PEM, key, keyLen,
 * NSSL_KEY_TYPE_PEM), then for each accepted socket NSSLCreateConnection(ctx, NULL, 0, 0, fd, 1)
 * and the same calls as a client.
 *
 * Thread safety: every function may be called from any thread. The handle tables and
 * everything a context shares between its connections are locked. One connection must be used
 * by one thread at a time.
 *
 * Ownership: NSSL never closes the application's socket; the application closes it after
 * NSSLDestroyConnection.
 */
#ifndef NSSL_NSSL_H
#define NSSL_NSSL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(NSSL_BUILDING)
#define NSSL_API __attribute__((visibility("default")))
#else
#define NSSL_API
#endif

/*
 * Handles are non-negative int32 values that carry their type: a context handle passed where a
 * connection or session is expected (or any other mix) is refused with that type's
 * NSSL_ERROR_INVALID_NSSL_* error, never taken for another object. A destroyed handle stays
 * invalid for good (slots retire rather than reuse a value), and so does every handle from
 * before NSSLFinish once NSSLInit has run again. Since no value is ever given twice, a
 * process has 2^29 - 4096 connection handles (and as many session handles) to give in its
 * life, about 536 million; past that, creating one returns NSSL_ERROR_PROCESS_MAX_CONNECTIONS
 * (NSSL_ERROR_RESOURCE_LIMIT for NSSLGetSession).
 */

/** A context: trust anchors, client PKI, settings shared by its connections. */
typedef int32_t NSSLContextHandle;
/** A connection: one TLS session over one socket. */
typedef int32_t NSSLConnectionHandle;
/** A resumable session (NSSLGetSession). */
typedef int32_t NSSLSessionHandle;

/**
 * @name Error values (console values: NSSL_ERROR_BASE - n)
 * Every function returns 0 (or a non-negative handle) on success and one of these on failure.
 * @{
 */
#define NSSL_ERROR_OK 0
#define NSSL_ERROR_GENERIC (-1)
#define NSSL_ERROR_INVALID_NSSL_CONTEXT (-0x280001)
#define NSSL_ERROR_INVALID_CERT_ID (-0x280002)
#define NSSL_ERROR_CERT_LIMIT (-0x280003)
#define NSSL_ERROR_INVALID_NSSL_CONNECTION (-0x280004)
#define NSSL_ERROR_INVALID_CERT (-0x280005)
#define NSSL_ERROR_ZERO_RETURN (-0x280006)
#define NSSL_ERROR_WANT_READ (-0x280007)
#define NSSL_ERROR_WANT_WRITE (-0x280008)
#define NSSL_ERROR_IO_ERROR (-0x280009)
#define NSSL_ERROR_NSSL_LIB_ERROR (-0x28000a)
#define NSSL_ERROR_UNKNOWN (-0x28000b)
#define NSSL_ERROR_OUT_OF_MEMORY (-0x28000c)
#define NSSL_ERROR_INVALID_STATE (-0x28000d)
#define NSSL_ERROR_HANDSHAKE_ERROR (-0x28000e)
#define NSSL_ERROR_NO_CERT (-0x28000f)
#define NSSL_ERROR_INVALID_FD (-0x280010)
#define NSSL_ERROR_LIB_NOT_READY (-0x280011)
#define NSSL_ERROR_IPC_ERROR (-0x280012)
#define NSSL_ERROR_RESOURCE_LIMIT (-0x280013)
#define NSSL_ERROR_INVALID_HANDLE (-0x280014)
#define NSSL_ERROR_INVALID_CERT_TYPE (-0x280015)
#define NSSL_ERROR_INVALID_KEY_TYPE (-0x280016)
#define NSSL_ERROR_INVALID_SIZE (-0x280017)
#define NSSL_ERROR_NO_PEER_CERT (-0x280018)
#define NSSL_ERROR_INSUFFICIENT_SIZE (-0x280019)
#define NSSL_ERROR_NO_CIPHER (-0x28001a)
#define NSSL_ERROR_INVALID_ARG (-0x28001b)
#define NSSL_ERROR_INVALID_NSSL_SESSION (-0x28001c)
#define NSSL_ERROR_NO_SESSION (-0x28001d)
#define NSSL_ERROR_SSL_SHUTDOWN_ERROR (-0x28001e)
#define NSSL_ERROR_CERT_SIZE_LIMIT (-0x28001f)
#define NSSL_ERROR_CERT_NO_ACCESS (-0x280020)
#define NSSL_ERROR_INVALID_CERT_ID2 (-0x280021)
#define NSSL_ERROR_CERT_READ_ERROR (-0x280022)
#define NSSL_ERROR_CERT_STORE_INIT_FAILURE (-0x280023)
#define NSSL_ERROR_INVALID_CERT_ENCODING (-0x280024)
#define NSSL_ERROR_CERT_STORE_ERROR (-0x280025)
#define NSSL_ERROR_PRIVATE_KEY_READ_ERROR (-0x280026)
#define NSSL_ERROR_INVALID_PRIVATE_KEY (-0x280027)
#define NSSL_ERROR_NOT_READY (-0x280028)
#define NSSL_ERROR_ENCRYPTION_ERROR (-0x280029)
#define NSSL_ERROR_NO_CERT_STORE (-0x28002a)
#define NSSL_ERROR_PRIVATE_KEY_SIZE_LIMIT (-0x28002b)
#define NSSL_ERROR_PROCESS_MAX_EXT_CERTS (-0x28002c)
#define NSSL_ERROR_PROCESS_MAX_CONTEXTS (-0x28002d)
#define NSSL_ERROR_PROCESS_MAX_CONNECTIONS (-0x28002e)
#define NSSL_ERROR_CERT_NOT_EXPORTABLE (-0x28002f)
#define NSSL_ERROR_INVALID_CERT_SIZE (-0x280030)
#define NSSL_ERROR_INVALID_KEY_SIZE (-0x280031)
/** @} */

/**
 * @name Extension error values (not in the console API)
 * @{
 */
/** A refused legacy protocol or feature was asked for (SSLv3, TLS 1.0/1.1, CBC, RSA key
 *  exchange, renegotiation, compression). */
#define NSSL_ERROR_INSECURE_PROTOCOL (-0x280101)
/** The peer sent a fatal alert; NSSLGetLastAlert() says which. */
#define NSSL_ERROR_PEER_ALERT (-0x280102)
/** The peer broke the protocol after the handshake (bad record, unexpected message); this
 *  side sent the alert NSSLGetLastAlert() reports. */
#define NSSL_ERROR_PROTOCOL_VIOLATION (-0x280103)
/** The peer's certificate (or one of its chain, with chain CRL checking) is revoked by a CRL. */
#define NSSL_ERROR_CERT_REVOKED (-0x280104)
/** The TLS 1.2 peer did not use the extended master secret (RFC 7627), and the context does
 *  not allow that (NSSL_CONTEXT_FLAG_ALLOW_NO_EMS). */
#define NSSL_ERROR_NO_EXTENDED_MASTER_SECRET (-0x280105)
/** A deadline passed (NSSLSetTimeouts, NSSLContextSetTimeouts) or a socket's own receive or
 *  send timeout (SO_RCVTIMEO, SO_SNDTIMEO) expired while NSSL waited. A read or write that
 *  timed out leaves the connection as NSSL_ERROR_WANT_READ / _WANT_WRITE would (call again;
 *  a write with the same buffer); a handshake whose deadline passed has failed for good. */
#define NSSL_ERROR_TIMEOUT (-0x280106)
/** An application transport broke its contract (NSSLCreateTransportConnection): it reported
 *  more bytes than it was asked for, or returned a value its contract does not list. Fatal:
 *  the connection fails for good. */
#define NSSL_ERROR_TRANSPORT_ERROR (-0x280107)
/** The process-wide policy (NSSLPolicyDisableSuites, NSSLPolicyDisableGroups,
 *  NSSLPolicySetVersions) forbids what was asked for by name, or leaves a context nothing to
 *  connect with. */
#define NSSL_ERROR_POLICY (-0x280108)
/** The certificate store's content is consistent but not what NSSL wrote: its seal (an
 *  HMAC under the device key, NSSLSetCertStoreKey) does not verify, is missing, or is not the
 *  latest one the seal record holds (an older copy put back). Nothing of the store is used. */
#define NSSL_ERROR_CERT_STORE_TAMPERED (-0x280109)
/** A store handle (NSSLStoreOpen) that is not open: never issued, closed, from before
 *  NSSLFinish, or a handle of another type. */
#define NSSL_ERROR_INVALID_NSSL_STORE (-0x28010a)
/* The certificate store API (nssl_store.h, issue 16 item 6). */
/** A change through a read-only handle, or to a sealed store on a handle without its device
 *  key (NSSLStoreSetDeviceKey). */
#define NSSL_ERROR_STORE_READ_ONLY (-0x28010b)
/** The file is not a store, is damaged, or a row fails its integrity check (SHA-256). */
#define NSSL_ERROR_STORE_CORRUPT (-0x28010c)
/** Another writer holds the store's lock longer than the busy timeout (5 seconds). */
#define NSSL_ERROR_STORE_BUSY (-0x28010d)
/** No such ID, group, CRL, or (NSSLStoreApplyUpdate) no update key is pinned. */
#define NSSL_ERROR_STORE_NOT_FOUND (-0x28010e)
/** The ID, group bit or group name is taken by something else, or another update key is
 *  pinned already. */
#define NSSL_ERROR_STORE_EXISTS (-0x28010f)
/** Input that does not parse: a certificate, key, CRL or update file, or a key that does not
 *  match its certificate. */
#define NSSL_ERROR_STORE_INVALID_DATA (-0x280110)
/** The file's schema is newer than this library's. */
#define NSSL_ERROR_STORE_VERSION (-0x280111)
/** The ID belonged to a removed certificate: it is retired and never given again. */
#define NSSL_ERROR_STORE_ID_RETIRED (-0x280112)
/** A reserved console ID with no certificate in this store (absent). */
#define NSSL_ERROR_STORE_ID_ABSENT (-0x280113)
/** The certificate (or kind) is not the one the reserved console ID names. */
#define NSSL_ERROR_STORE_ID_MISMATCH (-0x280114)
/** An update not signed by the update key pinned in the store. */
#define NSSL_ERROR_STORE_UPDATE_SIGNATURE (-0x280115)
/** An update whose version is not newer than the store's (no rollback). */
#define NSSL_ERROR_STORE_UPDATE_ROLLBACK (-0x280116)
/** @} */

/**
 * @name Verification options (the `options` of NSSLCreateConnection)
 * 0 asks for the default: full verification (peer chain, host name, validity dates).
 * Other values are the console's bit mask taken literally; NSSL_VERIFY_HOSTNAME and
 * NSSL_VERIFY_DATE imply NSSL_VERIFY_PEER. Turning verification off takes the explicit
 * NSSL_VERIFY_NONE. On a server connection the options apply to a client certificate (when
 * the context asks for one): 0 checks its chain and dates, and NSSL_VERIFY_HOSTNAME is
 * ignored (a client certificate names no host the server could check).
 * @{
 */
#define NSSL_VERIFY_DEFAULT 0x0
#define NSSL_VERIFY_PEER 0x1
#define NSSL_VERIFY_HOSTNAME 0x2
#define NSSL_VERIFY_DATE 0x4
#define NSSL_VERIFY_ALL 0x7
/** No verification at all. Insecure: the peer can be anyone. */
#define NSSL_VERIFY_NONE 0x100
/** @} */

/**
 * @name Protocol versions (NSSLCreateContext)
 * @{
 */
/** Console default: TLS 1.3 preferred, TLS 1.2 allowed where the SDK supports it. */
#define NSSL_VERSION_AUTO 0
/** Refused legacy versions: NSSLCreateContext returns NSSL_ERROR_INSECURE_PROTOCOL. */
#define NSSL_VERSION_SSLV3 2
#define NSSL_VERSION_TLS1_0 3
#define NSSL_VERSION_TLS1_1 4
/** TLS 1.2 only. */
#define NSSL_VERSION_TLS1_2 5
/** TLS 1.3 only. */
#define NSSL_VERSION_TLS1_3 6
/** @} */

/**
 * @name Certificate and key types
 * @{
 */
/** DER X.509 (the console's type 0). */
#define NSSL_CERT_TYPE_DER 0
/** PEM X.509 (extension); a PEM buffer may hold several certificates. */
#define NSSL_CERT_TYPE_PEM 1
/** Private key in DER: PKCS#8 or the traditional RSA/EC form (the console's key type 0). */
#define NSSL_KEY_TYPE_DER 0
/** Private key in PEM (extension). */
#define NSSL_KEY_TYPE_PEM 1
/** CRL in DER. */
#define NSSL_CRL_TYPE_DER 0
/** CRL in PEM (extension). */
#define NSSL_CRL_TYPE_PEM 1
/** @} */

/**
 * @name Context flags (NSSLContextSetFlags)
 * @{
 */
/** Check the peer's certificate (the leaf: the server's, or on a server a client's) against its
 *  issuer's CRL. A CRL for the issuer must be available (NSSLAddCRLExternal, or the certificate
 *  store): without one the handshake fails. */
#define NSSL_CONTEXT_FLAG_CRL_CHECK_LEAF 0x1u
/** Check every certificate of the chain against CRLs (implies the leaf check). */
#define NSSL_CONTEXT_FLAG_CRL_CHECK_CHAIN 0x2u
/** Accept TLS 1.2 peers that do not use the extended master secret (RFC 7627; Go before 1.21,
 *  BearSSL). Without this flag such a peer fails with NSSL_ERROR_NO_EXTENDED_MASTER_SECRET.
 *  A session made without it is never resumed (RFC 7627 5.4): a client gets no session
 *  (NSSLGetSession returns NSSL_ERROR_NO_SESSION), a server issues no ticket or session ID. */
#define NSSL_CONTEXT_FLAG_ALLOW_NO_EMS 0x4u
/** The automatic client session cache (NSS's client cache; off by default, client contexts
 *  only: a server context ignores it). Every session a connection of the context makes is kept
 *  in the context's cache (NSSLContextSetSessionCacheSize) under the server's host name and
 *  port (the socket's peer port, from getpeername; an application transport or event
 *  connection, or a socket without a port, has none and is keyed on the host name alone, apart
 *  from every socket's), and a later connection with the same key offers it at its first
 *  ClientHello without NSSLSetSession. NSSLSetSession on a connection still wins: with it,
 *  nothing is taken from the cache. Offered only what NSSLSetSession would offer (a session
 *  made under verification options at least as strict as the new connection's, whose server
 *  certificate has not expired, not past its lifetime; never one for another host or port); a
 *  TLS 1.3 ticket is taken out of the cache when offered (used once, RFC 8446 C.4); a session
 *  the server does not resume, or whose handshake fails, leaves the cache. Thread-safe:
 *  connections of one context may run in several threads. */
#define NSSL_CONTEXT_FLAG_AUTO_RESUME 0x8u
/** OCSP stapling, client contexts (RFC 6066 8, RFC 8446 4.4.2.1): a server that staples no
 *  OCSP response fails the handshake (bad_certificate_status_response, NSSL_ERROR_INVALID_CERT,
 *  NSSLGetVerifyResult X509_V_ERR_OCSP_VERIFY_NEEDED, 73). Without the flag a client still asks
 *  for a staple whenever it verifies the server's certificate, checks the one it gets (a
 *  revoked certificate is NSSL_ERROR_CERT_REVOKED with certificate_revoked; an invalid, stale
 *  or wrongly signed response NSSL_ERROR_INVALID_CERT with bad_certificate_status_response and
 *  X509_V_ERR_OCSP_VERIFY_FAILED, 74; a certificate the responder does not know
 *  X509_V_ERR_OCSP_CERT_UNKNOWN, 75), and requires one for a certificate that carries the
 *  TLS feature status_request (must-staple, RFC 7633); NSSLGetOcspStatus says what the staple
 *  said. The flag and must-staple are about the leaf's staple; in TLS 1.3 the staples of the
 *  chain's certificates (RFC 8446 4.4.2.1) are judged too when sent (a revoked intermediate is
 *  NSSL_ERROR_CERT_REVOKED at its depth), never required. docs/security.md lists the checks. A session made without a good staple is not
 *  resumed by a context with this flag. A server context ignores it. */
#define NSSL_CONTEXT_FLAG_REQUIRE_OCSP_STAPLE 0x10u
/** Learn intermediates (issue 16 item 3): the intermediate CA certificates of every peer chain
 *  this context verified completely (NSSL's verdict ok, before the certificate callback) are
 *  kept, at most 64, the oldest dropped first, and complete a later peer's chain that lacks
 *  them (a server that sends its leaf alone), as browsers do, beside the store's
 *  intermediates. A learned certificate is never a trust anchor: the path it helps build must
 *  still verify to one of the context's anchors. Nothing is learned from a chain that failed,
 *  or that only the certificate callback accepted, or with verification off. Set before the
 *  first connection; freed with the context. */
#define NSSL_CONTEXT_FLAG_LEARN_INTERMEDIATES 0x20u
/** Keep the verification report (NSSLGetVerifyReport) after a successful handshake. Without
 *  it the report (about 6 KB) lives only while the handshake runs, where the certificate and
 *  handshake-done callbacks may read it, and after a handshake that failed: a successful
 *  connection drops it when its handshake ends, so that an established connection costs no
 *  more memory than before the report existed. Set before the first connection. */
#define NSSL_CONTEXT_FLAG_KEEP_VERIFY_REPORT 0x40u
/** @} */

/**
 * @name Why a handshake failed (NSSLGetFailureReason)
 * @{
 */
#define NSSL_REASON_UNKNOWN 0             /**< no more specific cause is known */
#define NSSL_REASON_NO_SHARED_VERSION 1   /**< no protocol version both sides allow */
#define NSSL_REASON_NO_SHARED_SUITE 2     /**< no cipher suite both sides allow */
#define NSSL_REASON_NO_SHARED_GROUP 3     /**< no key exchange group both sides allow */
#define NSSL_REASON_NO_SHARED_SIGALG 4    /**< no signature algorithm for our certificate */
#define NSSL_REASON_NO_EMS 5              /**< the TLS 1.2 peer lacked the extended master
                                               secret (NSSL_CONTEXT_FLAG_ALLOW_NO_EMS) */
#define NSSL_REASON_NO_CLIENT_CERT 6      /**< the client sent no certificate, one is required */
#define NSSL_REASON_CERT_CHECK 7          /**< the peer's certificate failed a check:
                                               NSSLGetVerifyResult says which */
#define NSSL_REASON_VERSION_REFUSED 8     /**< this side's version callback refused the
                                               negotiated version (NSSLVersionCallback) */
/** @} */

/** Largest host name accepted by NSSLCreateConnection (RFC 6066 3: up to 2^16-1 bytes, but
 *  a DNS name is at most 253 characters). */
#define NSSL_MAX_HOST_NAME 253

/** Negotiated parameters of a connection, filled by NSSLGetCipherInfo(). */
typedef struct NSSLCipherInfo {
    int32_t version;          /**< 0x0304 for TLS 1.3, 0x0303 for TLS 1.2 */
    char versionName[16];     /**< "TLSv1.3" */
    int32_t suite;            /**< IANA cipher suite number, e.g. 0x1301 */
    char suiteName[64];       /**< IANA name, e.g. "TLS_AES_128_GCM_SHA256" */
    int32_t group;            /**< IANA supported group, e.g. 0x001d */
    char groupName[16];       /**< "x25519", "secp256r1", "secp384r1" */
    int32_t sigScheme;        /**< IANA signature scheme the peer signed with, e.g. 0x0403; on a
                                   server the client's CertificateVerify, 0 if it sent none */
    char sigSchemeName[32];   /**< "ecdsa_secp256r1_sha256" */
    char alpn[256];           /**< negotiated application protocol, "" if none */
    int32_t resumed;          /**< 1 if the session was resumed */
    int32_t helloRetry;       /**< 1 if the server sent a HelloRetryRequest */
} NSSLCipherInfo;

/* ---------------------------------------------------------------------------------------- */
/** @name Library */
/** @{ */

/**
 * Initialise the library. Must precede every other call; calling it again is harmless.
 * @return 0, or NSSL_ERROR_NSSL_LIB_ERROR if libcrypto could not provide the algorithms.
 */
NSSL_API int32_t NSSLInit(void);

/**
 * Finish with the library: destroys every remaining connection and context. Afterwards every
 * call but NSSLInit returns NSSL_ERROR_LIB_NOT_READY, and after NSSLInit every handle from
 * before is invalid (a new epoch).
 * @return 0; NSSL_ERROR_INVALID_STATE (nothing is destroyed) while a call on a connection is
 *         under way (a transport callback calling NSSLFinish, or another thread).
 */
NSSL_API int32_t NSSLFinish(void);

/**
 * A readable name for an error value ("NSSL_ERROR_WANT_READ"); never NULL.
 */
NSSL_API const char *NSSLErrorString(int32_t error);

/**
 * The RFC name of a TLS alert ("handshake_failure" for 40); "unknown" for others.
 */
NSSL_API const char *NSSLAlertString(int32_t alert);

/** @} */
/* ---------------------------------------------------------------------------------------- */
/** @name Contexts */
/** @{ */

/**
 * Create a context. Contexts are reference-counted: each connection holds a reference.
 * @param version NSSL_VERSION_AUTO (0), NSSL_VERSION_TLS1_2 or NSSL_VERSION_TLS1_3.
 * @return a context handle (>= 0); NSSL_ERROR_INSECURE_PROTOCOL for SSLv3, TLS 1.0 and 1.1;
 *         NSSL_ERROR_INVALID_ARG for an unknown version; NSSL_ERROR_PROCESS_MAX_CONTEXTS when
 *         the table is full; NSSL_ERROR_LIB_NOT_READY before NSSLInit.
 */
NSSL_API NSSLContextHandle NSSLCreateContext(int32_t version);

/**
 * Destroy a context. With connections still alive the context is marked dead and freed when
 * the last one is destroyed; the handle is invalid at once.
 * @return 0 or NSSL_ERROR_INVALID_NSSL_CONTEXT.
 */
NSSL_API int32_t NSSLDestroyContext(NSSLContextHandle context);

/**
 * Add a trusted CA certificate supplied by the application.
 * @param cert DER (NSSL_CERT_TYPE_DER, the console's type 0) or PEM (NSSL_CERT_TYPE_PEM; every
 *        certificate in the buffer is added).
 * @return 0; NSSL_ERROR_INVALID_ARG for a NULL or empty buffer; NSSL_ERROR_INVALID_CERT_TYPE
 *         for an unknown type; NSSL_ERROR_INVALID_CERT if it does not parse;
 *         NSSL_ERROR_INVALID_STATE once the context has connections;
 *         NSSL_ERROR_INVALID_NSSL_CONTEXT.
 */
NSSL_API int32_t NSSLAddServerPKIExternal(NSSLContextHandle context, const void *cert,
                                          int32_t certSize, int32_t certType);

/**
 * Set the application protocols offered in ALPN (RFC 7301), most preferred first, as one
 * comma-separated list ("h2,http/1.1"). An empty string or NULL removes ALPN. On a server
 * context: the protocols accepted; the first of them the client offers is chosen, and a client
 * that offers ALPN but none of them is refused (no_application_protocol).
 * @return 0; NSSL_ERROR_INVALID_ARG for an empty or over-long (255 bytes) protocol name;
 *         NSSL_ERROR_INVALID_STATE once the context has connections.
 */
NSSL_API int32_t NSSLContextSetALPN(NSSLContextHandle context, const char *protocols);

/**
 * Choose the key-exchange groups, most preferred first, as a comma-separated list of
 * "x25519", "secp256r1" (also "P-256") and "secp384r1" ("P-384"). The client sends a key share
 * for the first and lists the others, so a server that prefers another group answers with a
 * HelloRetryRequest. Default: "x25519,secp256r1,secp384r1". On a server context: the groups
 * accepted; of those the client sent a key share for, the most preferred is used, else a
 * HelloRetryRequest asks for the most preferred one the client lists.
 * @return 0; NSSL_ERROR_INSECURE_PROTOCOL for a known but refused group (finite-field
 *         groups, small curves); NSSL_ERROR_INVALID_ARG for an unknown name or an empty or
 *         duplicate list; NSSL_ERROR_INVALID_STATE once the context has connections.
 */
NSSL_API int32_t NSSLContextSetGroups(NSSLContextHandle context, const char *groups);

/**
 * Choose the cipher suites, most preferred first, as a colon- or comma-separated list of IANA
 * names ("TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"). Default: AES-128-GCM,
 * AES-256-GCM, ChaCha20-Poly1305. A server chooses by its own order.
 * @return 0; NSSL_ERROR_INSECURE_PROTOCOL for a refused suite (CBC, RC4, 3DES, NULL, export,
 *         RSA key exchange); NSSL_ERROR_INVALID_ARG for an unknown name or an empty list;
 *         NSSL_ERROR_INVALID_STATE once the context has connections.
 */
NSSL_API int32_t NSSLContextSetCipherSuites(NSSLContextHandle context, const char *suites);

/**
 * Trust one CA of the certificate store by its ID (the NSSL_SERVER_CERT_* constants of the
 * generated header <nssl/nssl_certs.h>). The certificate is read from the store only when a
 * chain is validated. Adding an ID twice is harmless.
 * A reserved console ID whose certificate the store does not hold adds nothing and returns 0
 * (NSSLContextGetAbsentCertIds lists it).
 * @return 0; NSSL_ERROR_INVALID_CERT_ID if the store has no server CA with this ID;
 *         NSSL_ERROR_CERT_NO_ACCESS if the caller's access rule refuses it
 *         (NSSLSetCallerIdentity); NSSL_ERROR_NO_CERT_STORE if there is no store;
 *         NSSL_ERROR_CERT_STORE_INIT_FAILURE if the store file is not usable;
 *         NSSL_ERROR_INVALID_STATE once the context has connections;
 *         NSSL_ERROR_INVALID_NSSL_CONTEXT.
 */
NSSL_API int32_t NSSLAddServerPKI(NSSLContextHandle context, int32_t certId);

/**
 * Trust every CA of the certificate store in the groups of groupMask (NSSL_SERVER_CERT_GROUP_*
 * bits). Nothing is parsed up front: anchors are looked up by subject when a chain is
 * validated, so the context's memory does not grow with the group.
 * @param validCount set to the number of CAs in the selected groups whose stored certificate
 *        passes its integrity check (may be NULL).
 * @param invalidCount set to the number that fail it, or that the caller's access rule refuses
 *        (NSSLSetCallerIdentity), and will never be used (may be NULL). The groups' reserved
 *        console IDs without a certificate count in neither (NSSLContextGetAbsentCertIds).
 * @return 0; NSSL_ERROR_INVALID_ARG for a mask of 0; the store errors of NSSLAddServerPKI.
 */
NSSL_API int32_t NSSLAddServerPKIGroups(NSSLContextHandle context, uint32_t groupMask,
                                        int32_t *validCount, int32_t *invalidCount);

/**
 * Use a client certificate of the store (with its private key and chain), sent when a server
 * asks for one. A later call replaces an earlier one.
 * @return 0; NSSL_ERROR_INVALID_CERT_ID if the store has no client entry with this ID (also
 *         for a reserved console ID without a certificate, which NSSLContextGetAbsentCertIds
 *         then lists); NSSL_ERROR_CERT_NO_ACCESS if the caller's access rule refuses it;
 *         NSSL_ERROR_PRIVATE_KEY_READ_ERROR if its key does not load; the store errors of
 *         NSSLAddServerPKI; NSSL_ERROR_INVALID_STATE once the context has connections;
 *         NSSL_ERROR_INVALID_NSSL_CONTEXT for a server context (NSSLAddServerCert).
 */
NSSL_API int32_t NSSLSetClientPKI(NSSLContextHandle context, int32_t clientCertId);

/**
 * Use a client certificate supplied by the application, sent when a server asks for one.
 * @param cert the certificate: DER (NSSL_CERT_TYPE_DER), or PEM (NSSL_CERT_TYPE_PEM) with the
 *        leaf first and its chain after it.
 * @param key its private key: DER PKCS#8 or traditional (NSSL_KEY_TYPE_DER) or PEM
 *        (NSSL_KEY_TYPE_PEM).
 * @return 0; NSSL_ERROR_INVALID_ARG for NULL or empty buffers; NSSL_ERROR_INVALID_CERT_TYPE /
 *         NSSL_ERROR_INVALID_KEY_TYPE for unknown types; NSSL_ERROR_INVALID_CERT if the
 *         certificate does not parse; NSSL_ERROR_INVALID_PRIVATE_KEY if the key does not parse
 *         or does not belong to the certificate; NSSL_ERROR_INVALID_STATE once the context has
 *         connections; NSSL_ERROR_INVALID_NSSL_CONTEXT for a server context
 *         (NSSLAddServerCertExternal).
 */
NSSL_API int32_t NSSLSetClientPKIExternal(NSSLContextHandle context, const void *cert,
                                          int32_t certSize, int32_t certType, const void *key,
                                          int32_t keySize, int32_t keyType);

/**
 * Why the last NSSLSetClientPKIExternal, NSSLAddServerCertExternal, NSSLSetClientPKI or
 * NSSLAddServerCert call on this thread failed, in words ("" if it succeeded or there is nothing
 * to add to its error value). An encrypted private key is refused with
 * NSSL_ERROR_INVALID_PRIVATE_KEY and "the private key is encrypted: ...": NSSL never asks for a
 * passphrase (never a terminal prompt); decrypt the key and pass it decrypted.
 * @param buf receives the text, NUL-terminated and truncated to bufSize.
 * @return 0; NSSL_ERROR_INVALID_ARG for a NULL buf or a bufSize below 1.
 */
NSSL_API int32_t NSSLGetPKIErrorDetail(char *buf, int32_t bufSize);

/**
 * Add a certificate revocation list, used when CRL checking is on (NSSLContextSetFlags).
 * @param crlType NSSL_CRL_TYPE_DER or NSSL_CRL_TYPE_PEM.
 * @return 0; NSSL_ERROR_INVALID_ARG for a NULL/empty buffer or an unknown type;
 *         NSSL_ERROR_INVALID_CERT if it does not parse; NSSL_ERROR_INVALID_STATE once the
 *         context has connections.
 */
NSSL_API int32_t NSSLAddCRLExternal(NSSLContextHandle context, const void *crl, int32_t crlSize,
                                    int32_t crlType);

/**
 * Set context flags (NSSL_CONTEXT_FLAG_*), in addition to those already set.
 * @return 0; NSSL_ERROR_INVALID_ARG for unknown bits; NSSL_ERROR_INVALID_STATE once the context
 *         has connections.
 */
NSSL_API int32_t NSSLContextSetFlags(NSSLContextHandle context, uint32_t flags);
/** Read the context flags. @return 0; NSSL_ERROR_INVALID_ARG for a NULL pointer. */
NSSL_API int32_t NSSLContextGetFlags(NSSLContextHandle context, uint32_t *flags);
/** Clear context flags. @return as NSSLContextSetFlags. */
NSSL_API int32_t NSSLContextClearFlags(NSSLContextHandle context, uint32_t flags);

/** @} */
/* ---------------------------------------------------------------------------------------- */
/** @name Sessions (resumption) */
/** @{ */

/**
 * The session of an established connection, for resuming the next connection to the same
 * server with NSSLSetSession. Each call returns a new handle; free each with NSSLFreeSession.
 * TLS 1.3 tickets that arrive later on the connection join the same session.
 * @return a session handle (>= 0); NSSL_ERROR_NO_SESSION before the handshake completed, and
 *         always on a server connection (a server keeps its sessions in tickets and its
 *         session-ID cache); NSSL_ERROR_INVALID_NSSL_CONNECTION.
 */
NSSL_API NSSLSessionHandle NSSLGetSession(NSSLConnectionHandle connection);

/**
 * Offer a session on a connection before its handshake (a TLS 1.3 ticket, each used once; or
 * the TLS 1.2 session by ID and ticket). If the server declines, or nothing in the session is
 * usable any more (tickets used or past their lifetime), a full handshake follows.
 * Resumption never weakens verification: a session made under weaker verification options
 * than this connection's (NSSL_VERIFY_NONE, or without the host-name or date check), one
 * whose verification failed, or one whose server certificate has expired since, is not
 * offered; the call still returns 0 and the handshake is a full one, verified as this
 * connection asks. NSSLGetCipherInfo reports whether the session was resumed.
 * @return 0; NSSL_ERROR_INVALID_NSSL_SESSION for an unknown or freed session, a session of
 *         another context, or one for another server name; NSSL_ERROR_INVALID_STATE once the
 *         handshake has started, or on a server connection (only clients offer sessions).
 */
NSSL_API int32_t NSSLSetSession(NSSLConnectionHandle connection, NSSLSessionHandle session);

/**
 * Release a session handle (the session lives on in its context's cache).
 * @return 0; NSSL_ERROR_INVALID_NSSL_SESSION.
 */
NSSL_API int32_t NSSLFreeSession(NSSLSessionHandle session);

/**
 * Evict from the cache: a session handle evicts that session (it is never offered again), a
 * context handle every session of that context. A server context's tickets and session-ID
 * cache are not touched (tickets stop opening when their key rotates out).
 * @return 0; NSSL_ERROR_INVALID_NSSL_SESSION or NSSL_ERROR_INVALID_NSSL_CONTEXT.
 */
NSSL_API int32_t NSSLRemoveSession(int32_t contextOrSession);

/**
 * How many sessions a context keeps (least recently used evicted first; default 64; 0 keeps
 * none, so sessions live only while their handles do). On a server context: the capacity of
 * the TLS 1.2 session-ID cache, made with the first connection (0: no cache; TLS 1.2 clients
 * then resume with tickets only).
 * @return 0; NSSL_ERROR_INVALID_ARG for a negative size; NSSL_ERROR_INVALID_STATE for a server
 *         context that has connections.
 */
NSSL_API int32_t NSSLContextSetSessionCacheSize(NSSLContextHandle context, int32_t size);

/** @} */
/* ---------------------------------------------------------------------------------------- */
/** @name Certificate store */
/** @{ */

/**
 * Use the certificate store at path instead of the default one (NULL: back to the default
 * search: $NSSL_CERTSTORE, read with secure_getenv so a setuid process ignores it, then the
 * installed store; a build tree's stores are used only when named).
 * Must be called before the store is first used (or after NSSLFinish).
 * @return 0; NSSL_ERROR_INVALID_STATE once the store is open.
 */
NSSL_API int32_t NSSLSetCertStorePath(const char *path);

/**
 * The device key of the certificate store's seal (extension; issue 16, docs/certstore.md
 * "Tamper detection"): from now on NSSL uses the store only while its seal, an HMAC-SHA256
 * under this key over the whole store, verifies. It verifies when the store is opened (the
 * first call that needs it) and again before any later read of the store that another process
 * changed meanwhile, so a store changed outside NSSL's own writers (nssl-certstore, the store
 * API of <nssl/nssl_store.h>) is never read: the call that needed the store returns
 * NSSL_ERROR_CERT_STORE_TAMPERED (NSSLAddServerPKI, NSSLSetClientPKI, the exports...), a
 * validation that needed a CA from it fails, and every later use fails the same way. Without
 * a key a sealed store is used unchecked (nothing can check it).
 * @param key 32 to 64 bytes kept outside the store (copied; a new call wipes the old copy);
 *        NULL with keySize 0 forgets the key.
 * @param sealRecordPath the seal record beside the key (may be NULL): a file outside the store
 *        holding its latest seal, so that an older sealed copy of the store put back is refused
 *        too; with it, a missing record is tampering.
 * Like NSSLSetCertStorePath it must come before the store is first used (or after NSSLFinish),
 * and it is kept across NSSLFinish.
 * @return 0; NSSL_ERROR_INVALID_ARG (a size outside 32..64, a key without a size or the
 *         reverse, a record without a key, an empty record path); NSSL_ERROR_INVALID_STATE once
 *         the store is open; NSSL_ERROR_OUT_OF_MEMORY.
 */
NSSL_API int32_t NSSLSetCertStoreKey(const void *key, uint32_t keySize,
                                     const char *sealRecordPath);

/**
 * Export a server CA certificate of the store (DER). A NULL buf or a *bufSize of 0 only reports
 * the size.
 * @param bufSize in: the buffer's size; out: the certificate's size.
 * @param certType set to NSSL_CERT_TYPE_DER (may be NULL).
 * @return 0; NSSL_ERROR_INVALID_CERT_ID2 for an unknown ID; NSSL_ERROR_INVALID_CERT_TYPE if the
 *         entry is not a server CA; NSSL_ERROR_CERT_NOT_EXPORTABLE if it is not marked
 *         exportable; NSSL_ERROR_INSUFFICIENT_SIZE; NSSL_ERROR_CERT_READ_ERROR if the stored
 *         certificate fails its integrity check; the store errors.
 */
NSSL_API int32_t NSSLExportInternalServerCertificate(int32_t certId, void *buf, uint32_t *bufSize,
                                                     int32_t *certType);

/**
 * Export a client certificate of the store (DER) and, if the entry is marked key-exportable,
 * its private key (DER PKCS#8). Sizes as for NSSLExportInternalServerCertificate; a key that
 * is not exportable reports a size of 0, and asking for it with a non-NULL keyBuf fails with
 * NSSL_ERROR_CERT_NOT_EXPORTABLE.
 * @return as NSSLExportInternalServerCertificate (NSSL_ERROR_INVALID_CERT_TYPE if the entry is
 *         not a client certificate; NSSL_ERROR_PRIVATE_KEY_READ_ERROR if the key fails its
 *         integrity check).
 */
NSSL_API int32_t NSSLExportInternalClientCertificate(int32_t certId, void *certBuf,
                                                     uint32_t *certSize, int32_t *certType,
                                                     void *keyBuf, uint32_t *keySize,
                                                     int32_t *keyType);

/** @} */
/* ---------------------------------------------------------------------------------------- */
/** @name Connections */
/** @{ */

/**
 * Create a connection over a connected socket: a client connection on a client context, a
 * server connection (on an accepted socket; it waits for the ClientHello) on a server context.
 * The first connection freezes the context's configuration.
 * @param host the server's name: sent as SNI (unless it is an IP address) and checked against
 *        the certificate; need not be NUL-terminated. A server connection takes none (NULL):
 *        NSSLGetServerName gives the name the client asked for.
 * @param hostLength its length in bytes (0 for none; then host-name verification must be off;
 *        always 0 on a server context).
 * @param options verification options (NSSL_VERIFY_*); 0 is full verification (on a server:
 *        of a client certificate, when the context asks for one; no host name).
 * @param socket a connected stream socket; NSSL does not close it.
 * @param block non-zero: calls wait until they are done. Zero: when the socket would block,
 *        calls return NSSL_ERROR_WANT_READ or NSSL_ERROR_WANT_WRITE and are repeated later
 *        (put the socket in non-blocking mode for this).
 * @return a connection handle (>= 0); NSSL_ERROR_INVALID_FD if socket is not a socket;
 *         NSSL_ERROR_INVALID_ARG for a bad host or options (host-name verification without a
 *         host; any host on a server context); NSSL_ERROR_NO_CERT for a server context without
 *         a certificate (the context is not frozen then); NSSL_ERROR_PROCESS_MAX_CONNECTIONS;
 *         NSSL_ERROR_INVALID_NSSL_CONTEXT.
 */
NSSL_API NSSLConnectionHandle NSSLCreateConnection(NSSLContextHandle context, const char *host,
                                                   int32_t hostLength, int32_t options,
                                                   int32_t socket, int32_t block);

/**
 * Destroy a connection. If the handshake completed and no close_notify was sent yet, one is
 * sent without waiting. The socket stays open.
 * @return 0 or NSSL_ERROR_INVALID_NSSL_CONNECTION.
 */
NSSL_API int32_t NSSLDestroyConnection(NSSLConnectionHandle connection);

/**
 * Run the handshake. Optional: the first NSSLRead or NSSLWrite runs it too.
 * @return 0 when the connection is established; NSSL_ERROR_WANT_READ / _WANT_WRITE on a
 *         non-blocking connection (call again when the socket is ready); on failure
 *         NSSL_ERROR_INVALID_CERT (peer verification failed, see NSSLGetVerifyResult, or
 *         the certificate callback refused the chain, see NSSLGetCertDecision),
 *         NSSL_ERROR_PEER_ALERT (the peer refused, see NSSLGetLastAlert),
 *         NSSL_ERROR_HANDSHAKE_ERROR (the peer broke the protocol, or on a server the client
 *         offered nothing acceptable or no certificate where one is required; the alert sent
 *         is in NSSLGetLastAlert), NSSL_ERROR_INSECURE_PROTOCOL (the peer offered only refused
 *         legacy parameters), NSSL_ERROR_IO_ERROR. A failure is final: later calls return it.
 */
NSSL_API int32_t NSSLDoHandshake(NSSLConnectionHandle connection);

/**
 * Read application data. A record that fits is decrypted straight into buf (no copy through
 * NSSL's buffers), so only buf[0 .. *bytesRead) is defined afterwards: the bytes after it, and
 * all of buf after a failure, may have been overwritten.
 * @param bytesRead set to the number of bytes read (at least 1 on success).
 * @return 0; NSSL_ERROR_ZERO_RETURN after the peer's close_notify; NSSL_ERROR_WANT_READ /
 *         _WANT_WRITE on a non-blocking connection; NSSL_ERROR_IO_ERROR if the transport
 *         failed or closed without close_notify; NSSL_ERROR_PROTOCOL_VIOLATION or
 *         NSSL_ERROR_PEER_ALERT on a fatal protocol error. A peer that sends more than 32
 *         records in a row that carry nothing (empty application data, TLS 1.2 warning
 *         alerts, user_canceled, KeyUpdate or other post-handshake messages except
 *         NewSessionTicket) without application data in between is refused with
 *         unexpected_message (NSSL_ERROR_PROTOCOL_VIOLATION).
 */
NSSL_API int32_t NSSLRead(NSSLConnectionHandle connection, void *buf, int32_t len,
                          int32_t *bytesRead);

/**
 * Like NSSLRead, but the bytes stay buffered for the next read.
 */
NSSL_API int32_t NSSLPeek(NSSLConnectionHandle connection, void *buf, int32_t len,
                          int32_t *bytesRead);

/**
 * Write application data. At most one record (16384 bytes) is sent per call; *bytesWritten
 * says how many bytes went, and the caller loops for the rest.
 * On NSSL_ERROR_WANT_WRITE the bytes were taken but not yet sent: call NSSLWrite again with
 * the same buffer (at least as long); that call finishes sending them and reports their
 * count. No byte is lost or repeated.
 * @return 0; NSSL_ERROR_WANT_READ / _WANT_WRITE; NSSL_ERROR_IO_ERROR; NSSL_ERROR_INVALID_ARG
 *         for a retry with a shorter buffer.
 */
NSSL_API int32_t NSSLWrite(NSSLConnectionHandle connection, const void *buf, int32_t len,
                           int32_t *bytesWritten);

/**
 * What NSSL holds that select() on the socket cannot see. Complete records already received are
 * processed first, without any I/O: *pending is then the number of decrypted bytes NSSLRead
 * returns at once. Loop: while NSSLGetPending gives bytes, NSSLRead; when it gives 0 with
 * NSSL_ERROR_OK, NSSL holds nothing readable and the application waits for the socket.
 * @return 0; NSSL_ERROR_ZERO_RETURN (with *pending 0) when the peer's close_notify is next, or
 *         the connection's fatal error when one is next: what NSSLRead would return now;
 *         NSSL_ERROR_INVALID_ARG for a NULL pending.
 */
NSSL_API int32_t NSSLGetPending(NSSLConnectionHandle connection, int32_t *pending);

/**
 * Orderly shutdown: send close_notify (RFC 8446 6.1). Further writes fail; reads return what
 * the peer still sends until its close_notify.
 * @return 0; NSSL_ERROR_WANT_WRITE on a non-blocking connection (call again);
 *         NSSL_ERROR_SSL_SHUTDOWN_ERROR if the alert could not be sent.
 */
NSSL_API int32_t NSSLShutdown(NSSLConnectionHandle connection);

/**
 * Update this side's traffic keys (TLS 1.3 KeyUpdate, RFC 8446 4.6.3), asking the peer to
 * update its own too if requestPeer is non-zero. Keys are also updated automatically long
 * before an AEAD's usage limit.
 * @return 0; NSSL_ERROR_INVALID_STATE before the handshake, after NSSLShutdown, or on a
 *         TLS 1.2 connection; NSSL_ERROR_WANT_WRITE on a non-blocking connection (the update
 *         is queued and leaves with the next call).
 */
NSSL_API int32_t NSSLKeyUpdate(NSSLConnectionHandle connection, int32_t requestPeer);

/**
 * Size of the peer's (leaf) certificate in DER.
 * @return 0; NSSL_ERROR_NO_PEER_CERT before the handshake or without one.
 */
NSSL_API int32_t NSSLGetPeerCertSize(NSSLConnectionHandle connection, int32_t *size);

/**
 * Copy the peer's leaf certificate (DER). A NULL buf or a *bufSize of 0 only reports the size.
 * @param bufSize in: the buffer's size; out: the certificate's size.
 * @param certType set to NSSL_CERT_TYPE_DER (may be NULL).
 * @return 0; NSSL_ERROR_INSUFFICIENT_SIZE; NSSL_ERROR_NO_PEER_CERT.
 */
NSSL_API int32_t NSSLGetPeerCert(NSSLConnectionHandle connection, void *buf, int32_t *bufSize,
                                 int32_t *certType);

/**
 * The peer's leaf certificate subject as RFC 2253 text ("CN=localhost,O=Example"),
 * NUL-terminated and truncated to size.
 * @return 0; NSSL_ERROR_NO_PEER_CERT before the peer's certificate arrived (on a server: a
 *         client that sent none, or was not asked).
 */
NSSL_API int32_t NSSLGetPeerSubject(NSSLConnectionHandle connection, char *subject, int32_t size);

/**
 * The negotiated parameters.
 * @return 0; NSSL_ERROR_NO_CIPHER before the handshake completed.
 */
NSSL_API int32_t NSSLGetCipherInfo(NSSLConnectionHandle connection, NSSLCipherInfo *info);

/** @name Certificate policy verification results
 * Codes NSSLGetVerifyResult reports for rules of NSSL's certificate policy that OpenSSL's
 * X509_V_ERR_* numbering has no code for (docs/security.md lists every rule). @{ */
#define NSSL_VERIFY_ERR_KEY_TYPE 1001      /**< DSA or another key type TLS may not use */
#define NSSL_VERIFY_ERR_RSA_MODULUS 1002   /**< RSA modulus not a whole number of bytes */
#define NSSL_VERIFY_ERR_SERIAL 1003        /**< serial number not positive or over 20 octets */
#define NSSL_VERIFY_ERR_NOT_CRITICAL 1004  /**< nameConstraints/policyConstraints not critical */
#define NSSL_VERIFY_ERR_DNS_NAME 1005      /**< a subjectAltName dNSName is not a host name */
#define NSSL_VERIFY_ERR_CN_NOT_IN_SAN 1006 /**< server certificate CN not among its SAN values */
#define NSSL_VERIFY_ERR_CA_LEAF 1007       /**< a CA certificate (cA=TRUE) as the peer's leaf */
/** @} */

/**
 * The result of the peer's certificate verification: an X.509 verification code
 * (0 = verified; OpenSSL X509_V_ERR_* numbering, and NSSL_VERIFY_ERR_* for the rules NSSL's
 * certificate policy adds), the depth of the certificate that failed,
 * and a readable reason. reason may be NULL; it is NUL-terminated and truncated to reasonSize.
 * This is NSSL's own verdict: a chain the certificate callback accepted despite a failure
 * (NSSLGetCertDecision: NSSL_CERT_DECISION_ACCEPTED) reports that failure on a connection
 * that is established; one the callback refused reports 0.
 * @return 0; NSSL_ERROR_NO_PEER_CERT if no verification has run.
 */
NSSL_API int32_t NSSLGetVerifyResult(NSSLConnectionHandle connection, int32_t *result,
                                     int32_t *depth, char *reason, int32_t reasonSize);

/**
 * The last fatal alert: `sent` is the alert this side sent, `received` the alert the peer
 * sent, each -1 if none (RFC 8446 6 numbering; close_notify is 0).
 */
NSSL_API int32_t NSSLGetLastAlert(NSSLConnectionHandle connection, int32_t *sent,
                                  int32_t *received);

/**
 * Why the handshake failed, as far as this side knows: one of NSSL_REASON_* in *reason
 * (NSSL_REASON_UNKNOWN when the alerts and errors say all there is).
 * @return 0 or NSSL_ERROR_INVALID_NSSL_CONNECTION / NSSL_ERROR_INVALID_ARG.
 */
NSSL_API int32_t NSSLGetFailureReason(NSSLConnectionHandle connection, int32_t *reason);

/** A readable text for an NSSL_REASON_* value ("no shared cipher suite"); never NULL. */
NSSL_API const char *NSSLReasonString(int32_t reason);

/** @name OCSP staple status (NSSLGetOcspStatus)
 * @{ */
#define NSSL_OCSP_STATUS_NONE 0     /**< no staple: none asked for, or the server sent none */
#define NSSL_OCSP_STATUS_GOOD 1     /**< a valid, fresh response says good */
#define NSSL_OCSP_STATUS_REVOKED 2  /**< a valid, fresh response says revoked */
#define NSSL_OCSP_STATUS_UNKNOWN 3  /**< a valid, fresh response says the responder does not
                                         know the certificate */
#define NSSL_OCSP_STATUS_INVALID 4  /**< the response is malformed, not successful, signed by
                                         neither the issuer nor a responder it authorized,
                                         stale, or about another certificate */
/** @} */

/**
 * What the OCSP response the server stapled for its leaf said (client connections;
 * NSSL_OCSP_STATUS_*; the chain's certificates' are in NSSLVerifyReport.ocsp):
 * after the server's certificate was checked, from inside the certificate callback too
 * (where a status other than good has already made NSSL's verdict a failure), and after a
 * resumed handshake what the staple said when the session was made. A server connection
 * reports NSSL_OCSP_STATUS_NONE.
 * @return 0; NSSL_ERROR_INVALID_ARG (status NULL), NSSL_ERROR_INVALID_NSSL_CONNECTION.
 */
NSSL_API int32_t NSSLGetOcspStatus(NSSLConnectionHandle connection, int32_t *status);

/** @name Verification report (NSSLGetVerifyReport, NSSLFormatVerifyReport)
 * The peer's chain as built and every check that ran on it, for support teams: after any
 * handshake (either role) and inside the certificate callback. @{ */
#define NSSL_VERIFY_REPORT_VERSION 1  /**< NSSLVerifyReport.version of this header */
#define NSSL_REPORT_MAX_CERTS 10      /**< certificates a report lists (NSSL's maximum depth) */

/* Where a certificate of the path came from (NSSLReportCert.source). */
#define NSSL_CERT_FROM_PEER 1         /**< the peer's Certificate message */
#define NSSL_CERT_FROM_STORE 2        /**< the store's intermediates (the chain was completed) */
#define NSSL_CERT_FROM_ANCHOR 3       /**< a trust anchor of the context */
#define NSSL_CERT_FROM_LEARNED 4      /**< an intermediate the context learned
                                           (NSSL_CONTEXT_FLAG_LEARN_INTERMEDIATES) */

/* The checks (index of NSSLVerifyReport.checks). */
#define NSSL_CHECK_SIGNATURE 0  /**< each certificate's signature by its issuer, path built */
#define NSSL_CHECK_VALIDITY 1   /**< notBefore/notAfter at the time used */
#define NSSL_CHECK_NAME 2       /**< the host name or IP address (client side) */
#define NSSL_CHECK_USAGE 3      /**< keyUsage, extendedKeyUsage, basicConstraints */
#define NSSL_CHECK_POLICY 4     /**< NSSL's certificate policy (NSSL_VERIFY_ERR_*, security.md) */
#define NSSL_CHECK_CRL 5        /**< revocation by CRL */
#define NSSL_CHECK_OCSP 6       /**< the stapled OCSP response (client side) */
#define NSSL_CHECK_COUNT 7

/* A check's result. */
#define NSSL_CHECK_NOT_RUN 0    /**< off, or not reached: verification stops at a failure */
#define NSSL_CHECK_PASSED 1
#define NSSL_CHECK_FAILED 2     /**< the first failure: failedCheck names it */
#define NSSL_CHECK_PARTIAL 3    /**< validity with the time unknown: notAfter judged at the
                                     floor, notBefore not checked */

/* NSSLFormatVerifyReport formats. */
#define NSSL_REPORT_TEXT 1
#define NSSL_REPORT_JSON 2

/** One certificate of the path, leaf first. */
typedef struct NSSLReportCert {
    char subject[256];          /**< RFC 2253, NUL-terminated, truncated */
    char issuer[256];
    char serial[48];            /**< hexadecimal, upper case */
    uint8_t sha256[32];         /**< of the DER */
    int32_t source;             /**< NSSL_CERT_FROM_* */
    int32_t storeId;            /**< the certificate store's ID of an anchor or intermediate
                                     from the store; -1 when none */
} NSSLReportCert;

/** The report. size and version come first and stay: a later version only appends. */
typedef struct NSSLVerifyReport {
    uint32_t size;              /**< sizeof(NSSLVerifyReport) of the library that filled it */
    uint32_t version;           /**< NSSL_VERIFY_REPORT_VERSION */
    int32_t result;             /**< as NSSLGetVerifyResult: 0, X509_V_ERR_*, NSSL_VERIFY_ERR_* */
    int32_t failedCheck;        /**< NSSL_CHECK_* of the first failure; -1 when none */
    int32_t failedIndex;        /**< path index of the certificate that failed; -1 when none */
    int32_t timeSource;         /**< NSSL_TIME_* (NSSLGetVerifyTime); NSSL_TIME_NONE: no dates */
    int64_t time;               /**< the time the dates were judged at, Unix seconds */
    char reason[160];           /**< as NSSLGetVerifyResult's reason */
    int32_t checks[NSSL_CHECK_COUNT]; /**< NSSL_CHECK_NOT_RUN / _PASSED / _FAILED / _PARTIAL */
    int32_t fromCache;          /**< 1: the context's verified-chain cache held this chain,
                                     verified before with the same settings; no path was built
                                     on this connection (numCerts 0, checks not run) */
    uint32_t numCerts;          /**< certificates in certs: the path built, or the peer's
                                     chain when no path could be built */
    NSSLReportCert certs[NSSL_REPORT_MAX_CERTS];
    int32_t ocsp[NSSL_REPORT_MAX_CERTS]; /**< each certificate's stapled OCSP response, index as
                                     certs (client side): NSSL_OCSP_STATUS_*, _NONE when
                                     none was stapled for it (TLS 1.2 staples the leaf's only) */
    uint32_t ocspIgnored;       /**< staples the server sent on certificates outside the path
                                     (extra certificates, the trust anchor): not judged */
} NSSLVerifyReport;
/** @} */

/**
 * The verification report of the peer's chain (client and server connections; inside the
 * certificate callback too, where it is NSSL's verdict before the callback's). report NULL
 * asks for the size: *size gets sizeof(NSSLVerifyReport). A resumed connection has no report
 * (nothing was verified on it): NSSL_ERROR_NO_PEER_CERT, as a connection whose verification
 * did not run. After a successful handshake the report is there only when the context has
 * NSSL_CONTEXT_FLAG_KEEP_VERIFY_REPORT; without it, NSSL_ERROR_INVALID_STATE (the report was
 * dropped to save memory; read it in the handshake-done callback, or set the flag).
 * @return 0; NSSL_ERROR_INVALID_ARG (size NULL), NSSL_ERROR_INSUFFICIENT_SIZE (*size too small;
 *         *size gets the size needed), NSSL_ERROR_NO_PEER_CERT, NSSL_ERROR_INVALID_STATE,
 *         NSSL_ERROR_INVALID_NSSL_CONNECTION.
 */
NSSL_API int32_t NSSLGetVerifyReport(NSSLConnectionHandle connection, NSSLVerifyReport *report,
                                     uint32_t *size);

/**
 * The report as text (NSSL_REPORT_TEXT, lines for people) or JSON (NSSL_REPORT_JSON, one
 * object), NUL-terminated into out. out NULL asks for the size: *size gets the bytes needed,
 * the NUL included.
 * @return 0; NSSL_ERROR_INVALID_ARG (report or size NULL, an unknown format, a report whose
 *         size or version this library does not know), NSSL_ERROR_INSUFFICIENT_SIZE (*size too
 *         small; *size gets the size needed).
 */
NSSL_API int32_t NSSLFormatVerifyReport(const NSSLVerifyReport *report, int32_t format, char *out,
                                        uint32_t *size);

/** @} */
/* ---------------------------------------------------------------------------------------- */
/** @name Server role (extension)
 * A server context serves TLS 1.3 and 1.2 on accepted sockets with the same connection calls
 * as a client: NSSLCreateConnection (host NULL), NSSLDoHandshake, NSSLRead, NSSLWrite,
 * NSSLShutdown, NSSLGetCipherInfo... The context's trusted CAs (NSSLAddServerPKI*,
 * NSSLAddServerPKIExternal) and CRLs validate client certificates when client
 * authentication is on. */
/** @{ */

/** Client authentication modes (NSSLContextSetClientAuth). */
#define NSSL_CLIENT_AUTH_NONE 0     /**< do not ask for a client certificate (default) */
#define NSSL_CLIENT_AUTH_REQUEST 1  /**< ask; a client without one is let in */
#define NSSL_CLIENT_AUTH_REQUIRE 2  /**< ask; a client without one is refused */

/** Default lifetime of session tickets and rotation period of ticket keys, in seconds. */
#define NSSL_DEFAULT_TICKET_LIFETIME 7200

/**
 * Create a server context. Same versions and defaults as NSSLCreateContext, no client
 * authentication, tickets of NSSL_DEFAULT_TICKET_LIFETIME; add at least one certificate
 * (NSSLAddServerCertExternal or NSSLAddServerCert) before the first connection. The client
 * calls NSSLSetClientPKI and NSSLSetClientPKIExternal refuse it.
 * @return a context handle, or the errors of NSSLCreateContext.
 */
NSSL_API NSSLContextHandle NSSLCreateServerContext(int32_t version);

/**
 * Add a certificate the server presents, with its private key. Several may be added (say one
 * ECDSA and one RSA): for each handshake the first, in the order added, whose key can sign with
 * a scheme the client accepts (and, in TLS 1.2, that fits the chosen suite) is used.
 * @param cert DER (NSSL_CERT_TYPE_DER), or PEM (NSSL_CERT_TYPE_PEM) with the leaf first and its
 *        chain after it.
 * @param key DER (NSSL_KEY_TYPE_DER: PKCS#8 or traditional) or PEM (NSSL_KEY_TYPE_PEM).
 * @return 0; the errors of NSSLSetClientPKIExternal; NSSL_ERROR_INVALID_NSSL_CONTEXT for a
 *         client context; NSSL_ERROR_CERT_LIMIT when four certificates are already there;
 *         NSSL_ERROR_INVALID_STATE once the context has connections.
 */
NSSL_API int32_t NSSLAddServerCertExternal(NSSLContextHandle context, const void *cert,
                                           int32_t certSize, int32_t certType, const void *key,
                                           int32_t keySize, int32_t keyType);

/**
 * Add a certificate of the certificate store, with its private key and chain (an entry that
 * holds a key: the store's client/identity entries, NSSL_CLIENT_CERT_* IDs).
 * @return 0; the errors of NSSLSetClientPKI (NSSL_ERROR_INVALID_CERT_ID also for an entry
 *         without a key, such as a CA); NSSL_ERROR_INVALID_NSSL_CONTEXT for a client context;
 *         NSSL_ERROR_CERT_LIMIT as for NSSLAddServerCertExternal, which shares the limit.
 */
NSSL_API int32_t NSSLAddServerCert(NSSLContextHandle context, int32_t certId);

/**
 * Ask clients for a certificate (NSSL_CLIENT_AUTH_*). A client certificate is validated
 * against the context's trusted CAs and CRLs like a server's is on a client (purpose: TLS
 * client), unless the connection was made with NSSL_VERIFY_NONE.
 * @return 0; NSSL_ERROR_INVALID_ARG for an unknown mode; NSSL_ERROR_INVALID_NSSL_CONTEXT for
 *         a client context; NSSL_ERROR_INVALID_STATE once the context has connections.
 */
NSSL_API int32_t NSSLContextSetClientAuth(NSSLContextHandle context, int32_t mode);

/**
 * Session tickets (TLS 1.3 NewSessionTicket, TLS 1.2 RFC 5077): their lifetime in seconds,
 * which is also how often the ticket encryption key rotates (a ticket is accepted for at most
 * two periods, and never past its lifetime). 0 turns tickets off. Default
 * NSSL_DEFAULT_TICKET_LIFETIME. For TLS 1.2 the server also keeps a session-ID cache, sized by
 * NSSLContextSetSessionCacheSize. The key ring is made with the first connection, from the
 * lifetime set then.
 * @return 0; NSSL_ERROR_INVALID_ARG for a negative value or more than 7 days (RFC 8446 4.6.1);
 *         NSSL_ERROR_INVALID_NSSL_CONTEXT for a client context; NSSL_ERROR_INVALID_STATE once
 *         the context has connections.
 */
NSSL_API int32_t NSSLContextSetTicketLifetime(NSSLContextHandle context, int32_t seconds);

/** Largest OCSP response NSSLSetServerCertStatus takes (32 KiB). */
#define NSSL_MAX_OCSP_RESPONSE_SIZE (32 * 1024)

/**
 * OCSP stapling (NanoSSL's cert-and-status callback): the DER OCSPResponse a server context
 * staples for its certIndex-th certificate (0 for the first added by NSSLAddServerCert or
 * NSSLAddServerCertExternal, in the order added) to every client that asks for one
 * (status_request: in TLS 1.3 in the Certificate entry, RFC 8446 4.4.2.1; in TLS 1.2 in a
 * CertificateStatus message, RFC 6066 8). NSSL copies it and does not judge it: the client
 * does. Replace it at any time, before or after connections exist, from any thread (a
 * fresh response before the old one's nextUpdate, say): a handshake staples the response set
 * when it sends its Certificate. response NULL (size 0) stops stapling for that certificate.
 * @return 0; NSSL_ERROR_INVALID_NSSL_CONTEXT (not a server context); NSSL_ERROR_INVALID_ARG
 *         (no certificate certIndex, a negative size or one over NSSL_MAX_OCSP_RESPONSE_SIZE,
 *         a size without a response); NSSL_ERROR_OUT_OF_MEMORY.
 */
NSSL_API int32_t NSSLSetServerCertStatus(NSSLContextHandle context, int32_t certIndex,
                                         const unsigned char *response, int32_t size);

/**
 * OCSP responses for the certificates of a server certificate's chain (RFC 8446 4.4.2.1): the
 * DER OCSPResponse stapled for certificate chainIndex of the context's certIndex-th
 * certificate, where chainIndex 0 is the leaf (the same response as NSSLSetServerCertStatus)
 * and 1.. are the chain's certificates in the order they are sent (an intermediate's response
 * is signed by its issuer or a responder the issuer authorized). In TLS 1.3 every
 * CertificateEntry whose certificate has a response carries it, when the client asked for
 * status (status_request). TLS 1.2 carries only the leaf's (RFC 6066 8 CertificateStatus):
 * RFC 6961's status_request_v2, which could carry the others, is not implemented, and the
 * chain's responses are not sent. Copied, not judged, and replaceable at any time from any
 * thread, as NSSLSetServerCertStatus; response NULL (size 0) stops stapling for that
 * certificate.
 * @return 0; NSSL_ERROR_INVALID_NSSL_CONTEXT (not a server context); NSSL_ERROR_INVALID_ARG
 *         (no certificate certIndex, no chainIndex-th certificate in its chain, a negative size
 *         or one over NSSL_MAX_OCSP_RESPONSE_SIZE, a size without a response);
 *         NSSL_ERROR_OUT_OF_MEMORY.
 */
NSSL_API int32_t NSSLSetServerChainCertStatus(NSSLContextHandle context, int32_t certIndex,
                                              int32_t chainIndex, const unsigned char *response,
                                              int32_t size);

/**
 * The server name the client asked for (SNI), NUL-terminated and truncated to size; "" if it
 * sent none. Known once the ClientHello was processed, also after a failed handshake whose
 * ClientHello carried the name (to log it).
 * @return 0; NSSL_ERROR_INVALID_ARG for a NULL buffer or size < 1; NSSL_ERROR_INVALID_STATE on a
 *         client connection or before the ClientHello arrived;
 *         NSSL_ERROR_INVALID_NSSL_CONNECTION.
 */
NSSL_API int32_t NSSLGetServerName(NSSLConnectionHandle connection, char *name, int32_t size);

/** @} */

/* ---------------------------------------------------------------------------------------- */
/** @name Callbacks and hooks (extensions)
 * What every callback shares (each one's own contract is at its declaration):
 *  - It is registered on a context (configuration: before the context's first connection,
 *    afterwards NSSL_ERROR_INVALID_STATE), with a `void *user` handed back to it; NULL
 *    unregisters it.
 *  - It is called on the thread that is inside the NSSL call that triggered it (the
 *    connection's NSSLDoHandshake, NSSLRead, NSSLWrite...), with the connection's handle.
 *  - From inside, it may call these getters on that connection: NSSLGetCipherInfo,
 *    NSSLGetPeerCertSize, NSSLGetPeerCert, NSSLGetPeerSubject, NSSLGetVerifyResult,
 *    NSSLGetLastAlert, NSSLGetFailureReason, NSSLGetServerName, NSSLGetCertDecision,
 *    NSSLGetPskIdentity, NSSLGetVerifyTime, NSSLGetOcspStatus, NSSLGetVerifyReport. Any other
 *    call on that
 *    connection (and NSSLFinish) returns NSSL_ERROR_INVALID_STATE and does nothing; calls on
 *    other connections and contexts work.
 *  - A callback that decides returns one of the decision constants its contract lists;
 *    anything else is taken as the refusal.
 *  - An override of a security decision is recorded in the connection's result and in any
 *    session made from it (DESIGN.md §7a).
 */
/** @{ */

/** Log levels (NanoSSL MOCANA_initLog): a callback registered at a level gets that level's
 * messages and every lower one's. NSSL_LOG_DEBUG adds the handshake trace. */
#define NSSL_LOG_OFF 0
#define NSSL_LOG_ERROR 1   /**< a connection failed: the error and its reason */
#define NSSL_LOG_WARN 2    /**< something went wrong that the connection survives */
#define NSSL_LOG_INFO 3    /**< alerts sent and received; version, suite and group chosen */
#define NSSL_LOG_DEBUG 4   /**< the trace: each message, record, extension, verification step */
/** Log categories (bits of the mask NSSLSetLogCallback takes). */
#define NSSL_LOG_HANDSHAKE 0x01 /**< handshake messages, extensions, what was negotiated */
#define NSSL_LOG_RECORD 0x02    /**< records in and out (content type and length) */
#define NSSL_LOG_ALERT 0x04     /**< alerts sent and received */
#define NSSL_LOG_CERT 0x08      /**< certificate verification, step by step */
#define NSSL_LOG_IO 0x10        /**< the transport: bytes moved, its end, failures, timeouts */
#define NSSL_LOG_ALL 0x1f

/** A log callback: one message (a NUL-terminated line without newline, at most 511 bytes),
 * its level and its one category, and the connection it is about (-1 when it is about none:
 * verification outside a connection, engines the API did not make).
 *  - Called on the thread that is inside the NSSL call that produced the message, whatever
 *    thread that is: several threads may be inside it at once (it must be thread-safe).
 *  - The message never holds a secret, a key, key-share or randomness bytes, a ticket or a
 *    session ID: only names, lengths, numbers and certificate subjects.
 *  - From inside, it may call the getters of the common contract on `connection` (above);
 *    any other call on that connection returns NSSL_ERROR_INVALID_STATE, and
 *    NSSLSetLogCallback returns NSSL_ERROR_INVALID_STATE. Messages that NSSL calls made from
 *    inside the callback would produce are not logged (no recursion). Messages that
 *    NSSLDestroyConnection produces (its close_notify) name a handle already destroyed: every
 *    call on it returns NSSL_ERROR_INVALID_NSSL_CONNECTION.
 *  - `message` is valid only during the call. */
typedef void (*NSSLLogCallback)(int32_t level, int32_t category, NSSLConnectionHandle connection,
                                const char *message, void *user);

/** Set the process-wide log callback (NanoSSL MOCANA_initLog): the log is about the library,
 * not one context, so this works before NSSLInit, between NSSLInit and NSSLFinish and after;
 * it stays set across NSSLFinish. `level` is NSSL_LOG_OFF..NSSL_LOG_DEBUG, `categoryMask` any
 * bits of NSSL_LOG_ALL; fn NULL, level NSSL_LOG_OFF or mask 0 turns the log off. Thread-safe:
 * once it returns, no thread calls the previous callback any more (it waits for calls under
 * way), so the previous `user` may be freed. When the log is off, or a message's level or
 * category is not wanted, the cost is one load and compare: nothing is formatted.
 * @return 0; NSSL_ERROR_INVALID_ARG for a level or mask out of range;
 *         NSSL_ERROR_INVALID_STATE from inside a log callback. */
NSSL_API int32_t NSSLSetLogCallback(NSSLLogCallback fn, void *user, int32_t level,
                                    int32_t categoryMask);
/* Per-connection settings and process-wide defaults and policy (issue 14 item 9). */

/** Per connection (MatrixSSL's per-connection cipher suites, NanoSSL SSL_ioctl and
 * SSL_setSessionFlags): the cipher suites of this connection, overriding its context's
 * (NSSLContextSetCipherSuites: the same list syntax and refusals). Like the four calls after
 * it, it works only before the handshake starts (the first NSSLDoHandshake, NSSLRead or
 * NSSLWrite), from any thread the connection's calls may come from, but not from inside a
 * callback on this connection (NSSL_ERROR_INVALID_STATE). The connection then has a
 * configuration of its own (under 1 KiB; connections without overrides share their
 * context's). A session offered with NSSLSetSession that the new settings no longer allow
 * (another server name, stricter verification, a TLS 1.2 session whose suite is no longer
 * offered: DESIGN.md §7a) is dropped and the handshake is a full one.
 * @return 0; NSSL_ERROR_INVALID_ARG (an unknown name, an empty or duplicate list, or no suite
 *         left for the connection's versions); NSSL_ERROR_INSECURE_PROTOCOL (a refused legacy
 *         suite); NSSL_ERROR_POLICY (a suite the policy disables); NSSL_ERROR_INVALID_STATE
 *         once the handshake started or from inside a callback;
 *         NSSL_ERROR_INVALID_NSSL_CONNECTION; NSSL_ERROR_OUT_OF_MEMORY. */
NSSL_API int32_t NSSLSetCipherSuites(NSSLConnectionHandle connection, const char *suites);

/** Per connection: the key-exchange groups (NSSLContextSetGroups' syntax and refusals).
 * @return as NSSLSetCipherSuites (NSSL_ERROR_POLICY: a group the policy disables). */
NSSL_API int32_t NSSLSetGroups(NSSLConnectionHandle connection, const char *groups);

/** Per connection: the protocol versions, as NSSLCreateContext's `version`
 * (NSSL_VERSION_AUTO: the process default, NSSLSetDefaultVersion, as far as the policy
 * allows it).
 * @return as NSSLSetCipherSuites: NSSL_ERROR_INSECURE_PROTOCOL for SSLv3, TLS 1.0 and 1.1;
 *         NSSL_ERROR_INVALID_ARG for an unknown value or versions the connection has no suite
 *         for; NSSL_ERROR_POLICY for a version the policy disables. */
NSSL_API int32_t NSSLSetVersion(NSSLConnectionHandle connection, int32_t version);

/** Per connection: the verification options (NSSL_VERIFY_*, as NSSLCreateConnection's
 * `options`; on a server connection they apply to a client certificate, without the host
 * name). A session made under weaker options is not resumed (NSSLSetSession).
 * @return as NSSLSetCipherSuites: NSSL_ERROR_INVALID_ARG for unknown bits, or host-name
 *         verification on a client connection without a server name. */
NSSL_API int32_t NSSLSetVerifyOptions(NSSLConnectionHandle connection, int32_t options);

/** Per connection, client only: the server's name (sent as SNI unless it is an IP address,
 * and checked against the certificate), replacing NSSLCreateConnection's host; hostLength 0
 * removes it (then host-name verification must be off). A session made for another name is
 * not resumed.
 * @return as NSSLSetCipherSuites: NSSL_ERROR_INVALID_ARG for a bad host (as
 *         NSSLCreateConnection); NSSL_ERROR_INVALID_STATE on a server connection. */
NSSL_API int32_t NSSLSetServerName(NSSLConnectionHandle connection, const char *host,
                                   int32_t hostLength);

/** Process-wide defaults (NSS SSL_OptionSetDefault, SSL_CipherPrefSetDefault): the cipher
 * suites new contexts start with. A list naming suites of one version replaces that version's
 * default only; NULL restores the built-in defaults. Contexts already made keep theirs. Like
 * every default and policy call: thread-safe, valid before NSSLInit, kept across NSSLFinish.
 * @return 0; the refusals of NSSLContextSetCipherSuites (NSSL_ERROR_POLICY: a suite the
 *         policy disables). */
NSSL_API int32_t NSSLSetDefaultCipherSuites(const char *suites);

/** Process-wide defaults: the groups new contexts start with (NULL: the built-in ones).
 * @return 0; the refusals of NSSLContextSetGroups (NSSL_ERROR_POLICY as above). */
NSSL_API int32_t NSSLSetDefaultGroups(const char *groups);

/** Process-wide defaults: what NSSL_VERSION_AUTO means for NSSLCreateContext,
 * NSSLCreateServerContext and NSSLSetVersion (NSSL_VERSION_AUTO restores the built-in: TLS 1.3
 * preferred, TLS 1.2 allowed).
 * @return 0; NSSL_ERROR_INSECURE_PROTOCOL, NSSL_ERROR_INVALID_ARG as NSSLCreateContext;
 *         NSSL_ERROR_POLICY for a version the policy disables. */
NSSL_API int32_t NSSLSetDefaultVersion(int32_t version);

/** Process-wide policy (NSS SSL_CipherPolicySet): disable cipher suites (in addition to those
 * already disabled) in every context and connection. What the policy disables cannot be turned
 * on by preference: a context, connection or default call that names it is refused with
 * NSSL_ERROR_POLICY. What a context got without naming it (its defaults) is taken away when its
 * first connection is made; a context already in use keeps its settings, and each connection
 * made after the policy changed gets a narrowed copy of them. A context the policy leaves no
 * suite, group or version to connect with gets NSSL_ERROR_POLICY from NSSLCreateConnection
 * (and its variants). A connection keeps the policy in force when it was made. Thread-safe,
 * valid before NSSLInit, kept across NSSLFinish (only NSSLPolicyReset lifts it).
 * @return 0; NSSL_ERROR_INVALID_ARG, NSSL_ERROR_INSECURE_PROTOCOL as
 *         NSSLContextSetCipherSuites (refused legacy suites are never enabled anyway). */
NSSL_API int32_t NSSLPolicyDisableSuites(const char *suites);

/** Process-wide policy: disable key-exchange groups, as NSSLPolicyDisableSuites does suites.
 * @return 0; the refusals of NSSLContextSetGroups. */
NSSL_API int32_t NSSLPolicyDisableGroups(const char *groups);

/** Process-wide policy: the protocol versions allowed, from minVersion to maxVersion
 * (NSSL_VERSION_TLS1_2 or NSSL_VERSION_TLS1_3; NSSL_VERSION_AUTO leaves that end open). A
 * context or connection asking for a version outside by name (NSSLCreateContext,
 * NSSLSetVersion, NSSLSetDefaultVersion) is refused with NSSL_ERROR_POLICY; NSSL_VERSION_AUTO
 * is narrowed to it. Replaces the previous range.
 * @return 0; NSSL_ERROR_INSECURE_PROTOCOL for SSLv3, TLS 1.0, 1.1; NSSL_ERROR_INVALID_ARG for
 *         unknown values or minVersion above maxVersion. */
NSSL_API int32_t NSSLPolicySetVersions(int32_t minVersion, int32_t maxVersion);

/** Process-wide policy: lift it (every suite, group and version NSSL supports is allowed
 * again). Contexts already narrowed at their first connection stay as they are.
 * @return 0. */
NSSL_API int32_t NSSLPolicyReset(void);

/* Server decisions and client certificate selection (issue 14 items 3 and 4): three
 * callbacks that choose during a handshake. Each runs inside NSSLDoHandshake (or the
 * NSSLRead/NSSLWrite that drives the handshake) of the connection it names, at most once per
 * handshake, under the shared rules above. */

/** SNI decision: keep the context's own certificates. */
#define NSSL_SNI_KEEP 1
/** SNI decision: present the certificates of the server context in *useContext instead. */
#define NSSL_SNI_USE_CONTEXT 2
/** SNI decision: refuse the name (unrecognized_name alert, RFC 6066 3). */
#define NSSL_SNI_REFUSE 3

/** Server: choose the certificates for the name the client asked for.
 * Called once per handshake, after the ClientHello is read (before the ALPN callback, before
 * any session is resumed and before a certificate is chosen), with the client's server_name:
 * a NUL-terminated DNS name as NSSLGetServerName gives it, or NULL when the client sent none
 * (or a name NSSL cannot hold, such as an IP literal).
 * @param useContext where NSSL_SNI_USE_CONTEXT puts the server context whose certificates
 *        (NSSLAddServerCert, NSSLAddServerCertExternal) this connection presents; only its
 *        certificates are taken, every other setting stays this context's. That context is
 *        fixed from then on (as if it had a connection) and is kept alive until this
 *        connection is destroyed, even if it is destroyed first.
 * @return NSSL_SNI_KEEP, NSSL_SNI_USE_CONTEXT, or NSSL_SNI_REFUSE. Anything else, and
 *         NSSL_SNI_USE_CONTEXT with a handle that names no live server context, refuses: the
 *         handshake fails with unrecognized_name (NSSL_ERROR_HANDSHAKE_ERROR here,
 *         NSSL_ERROR_PEER_ALERT at the client).
 * A session is resumed only under the name it was made for (RFC 6066 3), and the callback
 * runs on resumed handshakes too, so a refused name is refused then as well. */
typedef int32_t (*NSSLServerNameCallback)(NSSLConnectionHandle connection,
                                          const char *serverName,
                                          NSSLContextHandle *useContext, void *user);

/** Register the SNI callback of a server context (NULL: the context's certificates, as
 * without a callback).
 * @return 0; NSSL_ERROR_INVALID_NSSL_CONTEXT for an invalid or client context;
 *         NSSL_ERROR_INVALID_STATE once the context has connections. */
NSSL_API int32_t NSSLContextSetServerNameCallback(NSSLContextHandle context,
                                                  NSSLServerNameCallback fn, void *user);

/** ALPN decision: the protocol in *selected / *selectedLen. */
#define NSSL_ALPN_SELECT 1
/** ALPN decision: answer without ALPN (RFC 7301 3.2 lets a server ignore it). */
#define NSSL_ALPN_NONE 2
/** ALPN decision: refuse (no_application_protocol alert, RFC 7301 3.2). */
#define NSSL_ALPN_REFUSE 3

/** Server: choose the application protocol among those the client offered.
 * Called once per handshake when the client sends application_layer_protocol_negotiation,
 * after the SNI callback; not called when it does not (the answer then has no ALPN). With this
 * callback the context's own list (NSSLContextSetALPN) is not used by the server.
 * @param protocols the client's ProtocolNameList as on the wire (RFC 7301 3.1): each name
 *        preceded by its length byte; protocolsLen bytes in all (framing already checked).
 * @param selected, selectedLen where NSSL_ALPN_SELECT puts the chosen name: a pointer into
 *        protocols, or to bytes that stay valid after the callback returns (a string
 *        constant): NSSL copies them as soon as it returns.
 * @return NSSL_ALPN_SELECT with a name equal to one the client offered; NSSL_ALPN_NONE;
 *         NSSL_ALPN_REFUSE. Anything else, and a selected name the client did not offer,
 *         refuses: the handshake fails with no_application_protocol
 *         (NSSL_ERROR_HANDSHAKE_ERROR here, NSSL_ERROR_PEER_ALERT at the client). */
typedef int32_t (*NSSLAlpnCallback)(NSSLConnectionHandle connection, const uint8_t *protocols,
                                    uint32_t protocolsLen, const uint8_t **selected,
                                    uint32_t *selectedLen, void *user);

/** Register the ALPN callback of a server context (NULL: the context's list).
 * @return 0; NSSL_ERROR_INVALID_NSSL_CONTEXT for an invalid or client context;
 *         NSSL_ERROR_INVALID_STATE once the context has connections. */
NSSL_API int32_t NSSLContextSetAlpnCallback(NSSLContextHandle context, NSSLAlpnCallback fn,
                                            void *user);

/** Client certificate decision: send no certificate (an empty Certificate message). */
#define NSSL_CLIENT_CERT_NONE 1
/** Client certificate decision: the client entry choice->certId of the certificate store,
 * with its key and chain (as NSSLSetClientPKI). */
#define NSSL_CLIENT_CERT_STORE 2
/** Client certificate decision: the certificate (with any chain after it) and key in
 * choice->cert and choice->key, DER or PEM (as NSSLSetClientPKIExternal). */
#define NSSL_CLIENT_CERT_EXTERNAL 3

/** What the client certificate callback fills in (only the fields its decision names). */
typedef struct NSSLClientCertChoice {
    int32_t certId;           /**< NSSL_CLIENT_CERT_STORE: the store entry */
    const void *cert;         /**< NSSL_CLIENT_CERT_EXTERNAL: certificate (and chain) */
    int32_t certSize;
    int32_t certType;         /**< NSSL_CERT_TYPE_DER or NSSL_CERT_TYPE_PEM */
    const void *key;          /**< NSSL_CLIENT_CERT_EXTERNAL: the certificate's private key */
    int32_t keySize;
    int32_t keyType;          /**< NSSL_KEY_TYPE_DER or NSSL_KEY_TYPE_PEM */
} NSSLClientCertChoice;

/** Client: choose the certificate to answer a server's CertificateRequest with (NSS's
 * SSL_GetClientAuthDataHook).
 * Called once per handshake that the server asks for a certificate, when the client is about
 * to send it: after the server's certificate was verified (NSSLGetPeerCert and
 * NSSLGetVerifyResult work) and, in TLS 1.3, after the server's Finished. Without this
 * callback the context's certificate (NSSLSetClientPKI*) is sent.
 * @param caNames, caNameSizes, caCount the distinguished names (DER) of the CAs the server
 *        accepts (TLS 1.3 certificate_authorities, RFC 8446 4.2.4; TLS 1.2
 *        certificate_authorities, RFC 5246 7.4.4); caCount 0 when the server named none.
 * @param schemes, schemeCount the signature schemes the server accepts (its
 *        signature_algorithms), in its order.
 * @param choice filled in by the callback (zeroed before the call). The buffers it points to
 *        are read as soon as the callback returns, so they must outlive the callback (not its
 *        own stack); NSSL keeps a parsed copy for this connection.
 * @return NSSL_CLIENT_CERT_NONE, NSSL_CLIENT_CERT_STORE or NSSL_CLIENT_CERT_EXTERNAL.
 *         Anything else, and a choice that cannot be loaded (unknown ID, damaged certificate
 *         or key, a key that is not the certificate's), sends no certificate: the server
 *         then decides whether to go on (RFC 8446 4.4.2.4). A certificate whose key can sign
 *         with none of the server's schemes is not sent either (RFC 8446 4.4.2.2). */
typedef int32_t (*NSSLClientCertCallback)(NSSLConnectionHandle connection,
                                          const uint8_t *const *caNames,
                                          const uint32_t *caNameSizes, uint32_t caCount,
                                          const uint16_t *schemes, uint32_t schemeCount,
                                          NSSLClientCertChoice *choice, void *user);

/** Register the client certificate callback of a client context (NULL: the context's
 * certificate).
 * @return 0; NSSL_ERROR_INVALID_NSSL_CONTEXT for an invalid or server context;
 *         NSSL_ERROR_INVALID_STATE once the context has connections. */
NSSL_API int32_t NSSLContextSetClientCertCallback(NSSLContextHandle context,
                                                  NSSLClientCertCallback fn, void *user);


/** A key-log callback: one line of the NSS Key Log Format for one secret.
 *
 * FOR DEBUGGING ONLY (e.g. to let Wireshark decrypt a capture): whoever reads these lines can
 * decrypt the connection, and in TLS 1.2 every connection that resumes its session (the same
 * master secret). Never register one in production.
 *
 * `line` is "<label> <ClientHello.random, 64 hex digits> <secret in hex>", NUL-terminated,
 * without a newline; it is valid only during the call (NSSL wipes it afterwards). Labels:
 *  - TLS 1.3: CLIENT_HANDSHAKE_TRAFFIC_SECRET and SERVER_HANDSHAKE_TRAFFIC_SECRET once the
 *    ServerHello is sent or received; CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0 and
 *    EXPORTER_SECRET once the server's Finished is. No lines for KeyUpdate's later secrets
 *    (the format defines no label for them; they follow from the _0 secrets, RFC 8446 7.2)
 *    nor for 0-RTT (NSSL neither sends nor accepts early data).
 *  - TLS 1.2: CLIENT_RANDOM with the 48-byte master secret, once it is final.
 * Both roles, full and resumed handshakes (a resumed TLS 1.2 handshake logs its session's
 * master secret under its own client random).
 *
 * Called on the thread inside the connection's NSSLDoHandshake (or the NSSLRead/NSSLWrite
 * that runs the handshake), while the connection is busy: the getters listed above work,
 * every other call on this connection returns NSSL_ERROR_INVALID_STATE. The callback decides
 * nothing and returns nothing; it should be quick (it runs inside the handshake). */
typedef void (*NSSLKeyLogFn)(NSSLConnectionHandle connection, const char *line, void *user);

/** Register the key-log callback of a context's connections (either role); fn NULL stops
 * key logging. Configuration: NSSL_ERROR_INVALID_STATE once the context has connections.
 * NSSL itself never reads SSLKEYLOGFILE or any other environment variable for this; the
 * nssl-client and nssl-server tools do, and write these lines there.
 *
 * A key-logging connection negotiates exactly as without the callback, and NSSLGetCipherInfo
 * shows nothing different; NSSLGetKeyLogLines tells how many lines it handed out.
 * @return NSSL_ERROR_OK, NSSL_ERROR_INVALID_NSSL_CONTEXT, NSSL_ERROR_INVALID_STATE. */
NSSL_API int32_t NSSLContextSetKeyLogCallback(NSSLContextHandle context, NSSLKeyLogFn fn,
                                              void *user);

/** How many key log lines the connection handed to its context's key-log callback (0: its
 * secrets were never logged). Not one of the getters allowed inside a callback.
 * @return NSSL_ERROR_OK, NSSL_ERROR_INVALID_ARG (lines NULL),
 *         NSSL_ERROR_INVALID_NSSL_CONNECTION, NSSL_ERROR_INVALID_STATE. */
NSSL_API int32_t NSSLGetKeyLogLines(NSSLConnectionHandle connection, int32_t *lines);
/* Certificate decisions (issue 14 item 1; MatrixSSL certValidator, NSS SSL_AuthCertificateHook
 * and SSL_BadCertHook, NanoSSL funcPtrMutualAuthCertificateVerify and
 * SSL_setInvalidCertCallback). */

/** Certificate decision: take the peer's chain. */
#define NSSL_CERT_ACCEPT 1
/** Certificate decision: refuse the peer's chain (the handshake fails). */
#define NSSL_CERT_REJECT 0
/** The `result` a certificate callback gets when the connection checks no certificate
 * (NSSL_VERIFY_NONE): NSSL accepts the chain unchecked. X.509 codes are never negative. */
#define NSSL_CERT_NOT_VERIFIED (-1)

/** Certificate callback: the application's say on the peer's chain, after NSSL's own
 * validation and with its verdict, in both roles (a client checking the server's chain, a
 * server checking a client certificate) and both versions.
 *  - When: once per full handshake, as soon as the peer's Certificate message was validated
 *    (before its CertificateVerify), whether NSSL accepted or rejected the chain, also for a
 *    chain NSSL found in its verified-chain cache, and also under NSSL_VERIFY_NONE (result
 *    NSSL_CERT_NOT_VERIFIED), so that a pin can be checked without CA validation. Not called
 *    when the peer sent no certificate, for a chain that does not parse, whose leaf key NSSL
 *    cannot use or whose keyUsage forbids signing (RFC 8446 4.4.2.2: protocol rules, not
 *    overridable), when memory runs out, nor on a resumed handshake (the session carries the
 *    decision made when it was made; see below).
 *  - Arguments: NSSL's verdict as NSSLGetVerifyResult reports it (result 0 = verified,
 *    X509_V_ERR_* / NSSL_VERIFY_ERR_* otherwise, NSSL_CERT_NOT_VERIFIED under
 *    NSSL_VERIFY_NONE; depth of the failing certificate; a readable reason); the chain as the
 *    peer sent it, leaf first: certs[i] is certSizes[i] bytes of DER, count entries (at most
 *    10). Not the path NSSL built: the trust anchor is there only if the peer sent it. The
 *    pointers are valid only during the call.
 *  - Thread: the one inside the connection's call; connections of the context that run in
 *    several threads call it at the same time (it must be thread-safe then).
 *  - From inside: the getters of the common contract (NSSLGetPeerCert gives the leaf,
 *    NSSLGetVerifyResult the verdict); anything else on this connection is
 *    NSSL_ERROR_INVALID_STATE.
 *  - Return NSSL_CERT_ACCEPT or NSSL_CERT_REJECT; anything else is NSSL_CERT_REJECT.
 *    Rejecting a chain NSSL accepted fails the handshake with the bad_certificate alert and
 *    NSSL_ERROR_INVALID_CERT (NSSLGetFailureReason: NSSL_REASON_CERT_CHECK); rejecting one
 *    NSSL rejected keeps NSSL's alert and error. Accepting a chain NSSL rejected lets the
 *    handshake go on (the CertificateVerify signature is still checked with the leaf's key).
 *  - Record: NSSLGetCertDecision says what the callback decided and whether it overrode
 *    NSSL; NSSLGetVerifyResult keeps NSSL's own verdict (a connection accepted by override
 *    reports the failure it was accepted despite).
 *  - Resumption: a session (client) or ticket and session-ID entry (server) records the
 *    decision and which callback made it (the function and `user` pointers). A connection
 *    whose context has a certificate callback resumes only sessions that this same callback
 *    (same fn and user) accepted; a session accepted by override is resumed only by a
 *    connection with that same callback. Any other session is not offered (client) or not
 *    accepted (server): the handshake is a full one and the callback runs. A resumed
 *    connection reports the recorded decision and verdict. A client's session is not
 *    resumed once the server's leaf has expired (as without a callback), so a chain accepted
 *    despite its date is decided again on every connection. */
typedef int32_t (*NSSLCertCallback)(NSSLConnectionHandle connection, int32_t result,
                                    int32_t depth, const char *reason,
                                    const unsigned char *const *certs, const int32_t *certSizes,
                                    int32_t count, void *user);

/** Register the certificate callback of a context's connections (either role); fn NULL
 * removes it (NSSL's verdict alone decides, as without callbacks).
 * @return 0; NSSL_ERROR_INVALID_NSSL_CONTEXT; NSSL_ERROR_INVALID_STATE once the context has
 *         connections. */
NSSL_API int32_t NSSLContextSetCertCallback(NSSLContextHandle context, NSSLCertCallback fn,
                                           void *user);

/** NSSLGetCertDecision: no certificate callback decided on this connection (none registered,
 * no peer certificate, the callback not reached yet, or a resumed session made without one). */
#define NSSL_CERT_DECISION_NONE 0
/** NSSLGetCertDecision: the callback agreed with NSSL (accepted a chain NSSL accepted, or
 * rejected one NSSL rejected). */
#define NSSL_CERT_DECISION_AGREED 1
/** NSSLGetCertDecision, an override: the callback accepted a chain NSSL's validation rejected;
 * NSSLGetVerifyResult reports that failure. */
#define NSSL_CERT_DECISION_ACCEPTED 2
/** NSSLGetCertDecision, an override: the callback rejected a chain NSSL accepted (verified, or
 * unchecked under NSSL_VERIFY_NONE); the handshake failed. */
#define NSSL_CERT_DECISION_REJECTED 3

/** What the context's certificate callback decided on this connection's peer chain (one of
 * NSSL_CERT_DECISION_*), also after a failed handshake; on a resumed connection, the decision
 * recorded in the session. A getter: allowed inside callbacks.
 * @return 0; NSSL_ERROR_INVALID_ARG for a NULL decision; NSSL_ERROR_INVALID_NSSL_CONNECTION. */
NSSL_API int32_t NSSLGetCertDecision(NSSLConnectionHandle connection, int32_t *decision);

/* Time source (issue 16 item 1): the time certificates are validated at. A device without a
 * trustworthy clock says the time is unknown; validation then uses a floor, the newest of
 *  - the library's build time (the newest commit's date, or SOURCE_DATE_EPOCH, when built),
 *  - the application's floor (NSSLSetTimeFloor, NSSLContextSetTimeFloor: for example the last
 *    time it verified a server), and
 *  - the notBefore of the trust anchor of the path being validated (a trusted certificate
 *    exists only once it was made),
 * and judges at it: a certificate (the anchor included) whose notAfter is not after the floor
 * has expired (certificate_expired, NSSL_ERROR_INVALID_CERT, as with a known time), and so
 * has a CRL whose nextUpdate is not after it; a notBefore (or a CRL's thisUpdate) after the
 * floor cannot be judged and is not checked. NSSLGetVerifyTime tells what was used. With no
 * time source set, the time is the system clock's, known (as without this API).
 * Sessions: a session whose certificate was verified under an unknown time is not resumed
 * under a known time (the handshake is a full one, which checks the dates the floor could
 * not); under a known time, a session is resumed only when that time lies inside the
 * validity of its verified path (a clock gone back before a notBefore resumes nothing); under
 * an unknown time, only while the floor is before the path's notAfter. */

/** NSSLTimeSourceCallback's answer: the time is unknown (*unixTime is ignored). */
#define NSSL_TIME_UNKNOWN 0
/** NSSLTimeSourceCallback's answer: *unixTime is the time. NSSLGetVerifyTime's source: the
 * time source's time (or the system clock's) was used, every date was checked. */
#define NSSL_TIME_KNOWN 1
/** NSSLGetVerifyTime's source: no date was checked (NSSL_VERIFY_NONE or no date check). */
#define NSSL_TIME_NONE 0
/** NSSLGetVerifyTime's sources when the time was unknown (notBefore not checked): the floor
 * used was the library's build time, the application's floor, or the trust anchor's
 * notBefore. */
#define NSSL_TIME_FLOOR_BUILD 2
#define NSSL_TIME_FLOOR_APP 3
#define NSSL_TIME_FLOOR_ANCHOR 4

/** A time source: NSSL_TIME_KNOWN with the Unix time (seconds) in *unixTime, or
 * NSSL_TIME_UNKNOWN. Any other answer, and a time at or before the epoch, is unknown. Called
 * once for each certificate validation and each resumption offer, on the thread inside the
 * NSSL call (several at once when several threads run connections: it must be thread-safe),
 * outside the callback frame above: it makes no NSSL call at all (a resumption offer asks it
 * while NSSL holds its library lock, NSSLSetSession for one). */
typedef int32_t (*NSSLTimeSourceCallback)(int64_t *unixTime, void *user);

/** The library's time source, for every context without one of its own; fn NULL restores the
 * system clock. Process-wide, at any time (before or after NSSLInit, kept across NSSLFinish):
 * validations that start afterwards use it.
 * @return 0. */
NSSL_API int32_t NSSLSetTimeSource(NSSLTimeSourceCallback fn, void *user);

/** A context's own time source, overriding the library's for its connections; fn NULL falls
 * back to the library's.
 * @return 0; NSSL_ERROR_INVALID_NSSL_CONTEXT; NSSL_ERROR_INVALID_STATE once the context has
 *         connections. */
NSSL_API int32_t NSSLContextSetTimeSource(NSSLContextHandle context, NSSLTimeSourceCallback fn,
                                          void *user);

/** The application's floor for the library (Unix seconds, 0: none), used when the time is
 * unknown. Process-wide, at any time, kept across NSSLFinish. A context's floor
 * (NSSLContextSetTimeFloor) and this one both hold: the newer is used.
 * @return 0; NSSL_ERROR_INVALID_ARG for a negative time. */
NSSL_API int32_t NSSLSetTimeFloor(int64_t unixTime);

/** A context's floor (Unix seconds, 0: none), used when the time is unknown.
 * @return 0; NSSL_ERROR_INVALID_ARG for a negative time; NSSL_ERROR_INVALID_NSSL_CONTEXT;
 *         NSSL_ERROR_INVALID_STATE once the context has connections. */
NSSL_API int32_t NSSLContextSetTimeFloor(NSSLContextHandle context, int64_t unixTime);

/** The time this connection's peer certificate was validated at and its source: NSSL_TIME_KNOWN
 * (the time), NSSL_TIME_FLOOR_BUILD / _APP / _ANCHOR ("time unknown, floor F used": *unixTime
 * is F, and notBefore was not checked), NSSL_TIME_NONE (no date check; *unixTime 0). Also
 * after a failed handshake; on a resumed connection, what the session recorded. A getter:
 * allowed inside callbacks (the certificate callback sees the validation it decides on).
 * @return 0; NSSL_ERROR_INVALID_ARG for a NULL pointer; NSSL_ERROR_INVALID_NSSL_CONNECTION;
 *         NSSL_ERROR_NO_PEER_CERT if no validation has run. */
NSSL_API int32_t NSSLGetVerifyTime(NSSLConnectionHandle connection, int64_t *unixTime,
                                   int32_t *source);

/* Handshake events and timeouts (issue 14 items 2 and 6): four callbacks that are told what
 * happens on a connection; one of them (the version callback) decides. Each runs on the thread
 * inside the NSSL call that made it happen (NSSLDoHandshake, NSSLRead, NSSLWrite,
 * NSSLGetPending, NSSLShutdown, NSSLKeyUpdate), under the shared rules above. */

/** Handshake done (NSS SSL_HandshakeCallback): called once per connection, when its handshake
 * completes, full or resumed, inside the call that completed it and before that call returns.
 * The connection is established: NSSLGetCipherInfo, NSSLGetPeerCert, NSSLGetVerifyResult give
 * its final parameters (a client's last flight may still be queued; the call sends it after).
 * Nothing to decide (void, as NSS's): refusing the peer is the version and certificate
 * callbacks' job, and after this the application may close the connection as it would any
 * other.
 * @param resumed 1 when a session was resumed (NSSLCipherInfo.resumed), 0 for a full one. */
typedef void (*NSSLHandshakeDoneCallback)(NSSLConnectionHandle connection, int32_t resumed,
                                          void *user);

/** Register the handshake-done callback of a context, either role (NULL: none).
 * @return 0; NSSL_ERROR_INVALID_NSSL_CONTEXT; NSSL_ERROR_INVALID_STATE once the context has
 *         connections. */
NSSL_API int32_t NSSLContextSetHandshakeDoneCallback(NSSLContextHandle context,
                                                     NSSLHandshakeDoneCallback fn, void *user);

/** Alert direction: this side queued the alert for sending. */
#define NSSL_ALERT_DIRECTION_SENT 1
/** Alert direction: the peer's alert arrived. */
#define NSSL_ALERT_DIRECTION_RECEIVED 2

/** Alert (NanoSSL funcPtrAlertCallback): called for every alert sent and every alert received,
 * close_notify and warnings included (RFC 8446 6, RFC 5246 7.2; NSSLAlertString names them).
 *  - Sent: as the alert is queued, before it leaves: a failing handshake's fatal alert, the
 *    close_notify of NSSLShutdown or NSSLDestroyConnection, TLS 1.2's no_renegotiation.
 *    The close_notify NSSLDestroyConnection sends is told after the handle is gone: every call
 *    from inside, getters included, returns NSSL_ERROR_INVALID_NSSL_CONNECTION.
 *  - Received: as the alert's record is processed, before the call returns; `level` as it
 *    came (1 warning, 2 fatal; any other value is then refused with illegal_parameter, which
 *    is told as sent).
 *  - Either way NSSLGetLastAlert from inside already reports a fatal alert or close_notify.
 * Nothing to decide: what an alert does is the protocol's (RFC 8446 6.2).
 * @param level 1 (warning) or 2 (fatal); see above for alerts received.
 * @param description the alert's number (RFC 8446 6: 0 close_notify, 70 protocol_version...).
 * @param direction NSSL_ALERT_DIRECTION_SENT or NSSL_ALERT_DIRECTION_RECEIVED. */
typedef void (*NSSLAlertCallback)(NSSLConnectionHandle connection, int32_t level,
                                  int32_t description, int32_t direction, void *user);

/** Register the alert callback of a context, either role (NULL: none).
 * @return as NSSLContextSetHandshakeDoneCallback. */
NSSL_API int32_t NSSLContextSetAlertCallback(NSSLContextHandle context, NSSLAlertCallback fn,
                                             void *user);

/** Version decision: go on with this version. */
#define NSSL_VERSION_ACCEPT 1
/** Version decision: refuse it (any value other than NSSL_VERSION_ACCEPT does too). */
#define NSSL_VERSION_REFUSE 0

/** Version (NanoSSL funcPtrVersionCallback): told the protocol version about to be
 * negotiated, 0x0304 (TLS 1.3) or 0x0303 (TLS 1.2), once per handshake: a client when the
 * first ServerHello or HelloRetryRequest names it (not again for the ServerHello after a
 * HelloRetryRequest), a server once it has chosen from the ClientHello, before it answers.
 * It comes only for a version the context allows; the other parameters are not final yet
 * (NSSLGetCipherInfo returns NSSL_ERROR_NO_CIPHER until the handshake completes).
 * @return NSSL_VERSION_ACCEPT to go on. Anything else refuses: the handshake fails with a
 *         protocol_version alert (RFC 8446 6.2 and RFC 5246 7.2.2: a version recognized but
 *         not supported, which RFC 5246 gives "avoided for security reasons" as the example
 *         of), the call returns NSSL_ERROR_HANDSHAKE_ERROR and NSSLGetFailureReason gives
 *         NSSL_REASON_VERSION_REFUSED. The peer gets NSSL_ERROR_PEER_ALERT. */
typedef int32_t (*NSSLVersionCallback)(NSSLConnectionHandle connection, int32_t version,
                                       void *user);

/** Register the version callback of a context, either role (NULL: every allowed version).
 * @return as NSSLContextSetHandshakeDoneCallback. */
NSSL_API int32_t NSSLContextSetVersionCallback(NSSLContextHandle context,
                                               NSSLVersionCallback fn, void *user);

/** Which deadline passed: the handshake's (NSSLSetTimeouts handshakeMs). */
#define NSSL_TIMEOUT_HANDSHAKE 1
/** Which deadline passed: the read call's (readMs; NSSLRead, NSSLPeek, NSSLGetPending). */
#define NSSL_TIMEOUT_READ 2
/** Which deadline passed: the write call's (writeMs; NSSLWrite, NSSLShutdown, NSSLKeyUpdate). */
#define NSSL_TIMEOUT_WRITE 3
/** None of NSSL's deadlines: the transport's own (a socket's SO_RCVTIMEO / SO_SNDTIMEO, an
 * application transport's NSSL_ERROR_TIMEOUT). */
#define NSSL_TIMEOUT_TRANSPORT 4

/** Timeout (NanoSSL funcPtrSSLHandelTimeout): called when a deadline passes, before the call
 * returns NSSL_ERROR_TIMEOUT, told which one (NSSL_TIMEOUT_*). A handshake whose deadline
 * passed has failed for good: that is told once, and the connection's later calls return the
 * error without another call. A read or write timeout leaves the connection usable, and each
 * call that times out tells it again. An event connection's handshake deadline is checked when
 * it is next called (nssl.h, the event-driven API): it is told then. Nothing to decide. */
typedef void (*NSSLTimeoutCallback)(NSSLConnectionHandle connection, int32_t which, void *user);

/** Register the timeout callback of a context, either role (NULL: none).
 * @return as NSSLContextSetHandshakeDoneCallback. */
NSSL_API int32_t NSSLContextSetTimeoutCallback(NSSLContextHandle context,
                                               NSSLTimeoutCallback fn, void *user);

/** External PSKs (TLS 1.3 only, RFC 8446 2.2 and 4.2.11, RFC 9257): the longest identity. */
#define NSSL_PSK_MAX_IDENTITY 128
/** External PSKs: the shortest key (RFC 9257 6: at least 128 bits of entropy) and longest. */
#define NSSL_PSK_MIN_KEY 16
#define NSSL_PSK_MAX_KEY 64
/** The hash an external PSK is used with (RFC 8446 4.2.11: only with suites of that hash):
 * SHA-256 (the default: TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256) or SHA-384
 * (TLS_AES_256_GCM_SHA384). */
#define NSSL_PSK_HASH_SHA256 0
#define NSSL_PSK_HASH_SHA384 1
/** PSK decision: use the identity and key filled in. */
#define NSSL_PSK_USE 1
/** PSK decision: no PSK (any value other than NSSL_PSK_USE does the same). */
#define NSSL_PSK_NONE 0

/** External PSK, client (NanoSSL funcPtrChoosePSK): asked once per handshake, as the first
 * ClientHello is built, when TLS 1.3 is offered and no session's ticket is (a connection
 * offers one PSK at most: a usable NSSLSetSession ticket goes alone, and the callback is not
 * asked). The ClientHello then offers that identity in pre_shared_key with psk_dhe_ke only
 * (an (EC)DHE exchange always runs, so the connection keeps forward secrecy) and its binder
 * made with the "ext binder" label (RFC 8446 7.1).
 *  - Fill identity (1..*identityLen bytes; *identityLen is NSSL_PSK_MAX_IDENTITY on entry),
 *    key (NSSL_PSK_MIN_KEY..NSSL_PSK_MAX_KEY bytes, *keyLen) and, if not SHA-256, *hash
 *    (NSSL_PSK_HASH_*; NSSL_PSK_HASH_SHA256 on entry). Identities are opaque bytes (RFC 9257
 *    6.1): nothing is read into them. Use a PSK with one peer and one role (RFC 9257 4).
 *  - If the server takes it, the server is authenticated by the PSK (RFC 8446 2.2): no
 *    certificate is sent or checked (NSSLGetVerifyResult returns NSSL_ERROR_NO_PEER_CERT,
 *    NSSLGetPskIdentity says which PSK), and no session is made (NSSLGetSession returns
 *    NSSL_ERROR_NO_SESSION), so nothing ever resumes it without the PSK. If the server
 *    declines it, or answers with TLS 1.2 (NSSL never uses a PSK in TLS 1.2: RFC 9257 4
 *    keeps a PSK to one protocol), the full handshake with the server's certificate follows.
 *  - A wrong key is the server's decrypt_error alert (RFC 8446 4.2.11: the binder fails).
 * @return NSSL_PSK_USE to offer it. Anything else, or a length out of range or a hash
 *         unknown, offers no PSK: the handshake goes on as without the callback. */
typedef int32_t (*NSSLPskChooseCallback)(NSSLConnectionHandle connection, uint8_t *identity,
                                         uint32_t *identityLen, uint8_t *key, uint32_t *keyLen,
                                         int32_t *hash, void *user);

/** Register the external PSK callback of a client context (NULL: none).
 * @return NSSL_ERROR_OK; NSSL_ERROR_INVALID_NSSL_CONTEXT (also for a server context);
 *         NSSL_ERROR_INVALID_STATE once the context has connections. */
NSSL_API int32_t NSSLContextSetPskChooseCallback(NSSLContextHandle context,
                                                 NSSLPskChooseCallback fn, void *user);

/** External PSK, server (NanoSSL funcPtrLookupPSK): asked, in a TLS 1.3 handshake, for each
 * identity the client offers with psk_dhe_ke (up to 4 per ClientHello, again for the second
 * ClientHello after a HelloRetryRequest), that is not one of the context's own tickets,
 * until one is found; never in TLS 1.2.
 *  - identity is the client's (opaque bytes, valid during the call; one longer than
 *    NSSL_PSK_MAX_IDENTITY is not asked about, it is not found). For a PSK known for it, fill key (NSSL_PSK_MIN_KEY..NSSL_PSK_MAX_KEY bytes, *keyLen) and, if
 *    not SHA-256, *hash (NSSL_PSK_HASH_*). A PSK whose hash is not the chosen suite's is not
 *    used (RFC 8446 4.2.11).
 *  - Its binder is checked (constant time): a wrong key fails the handshake with
 *    decrypt_error (RFC 8446 4.2.11), NSSL_ERROR_HANDSHAKE_ERROR here.
 *  - With it, the client is authenticated by the PSK (RFC 8446 2.2): no certificate is sent,
 *    none is requested (4.3.2, whatever NSSLSetClientAuth says), NSSLGetVerifyResult returns
 *    NSSL_ERROR_NO_PEER_CERT and NSSLGetPskIdentity the identity; no ticket is issued.
 *  - Not found: the full handshake with the context's certificate follows (the context's
 *    client authentication applies as always).
 * @return NSSL_PSK_USE when found. Anything else, or a length out of range or a hash
 *         unknown, is not found. */
typedef int32_t (*NSSLPskLookupCallback)(NSSLConnectionHandle connection,
                                         const uint8_t *identity, uint32_t identityLen,
                                         uint8_t *key, uint32_t *keyLen, int32_t *hash,
                                         void *user);

/** Register the external PSK lookup of a server context (NULL: none).
 * @return as NSSLContextSetPskChooseCallback (a client context is
 *         NSSL_ERROR_INVALID_NSSL_CONTEXT). */
NSSL_API int32_t NSSLContextSetPskLookupCallback(NSSLContextHandle context,
                                                 NSSLPskLookupCallback fn, void *user);

/** Whether the handshake was authenticated by an external PSK, and with which identity.
 * identity may be NULL to ask for the length; *identityLen is its size on entry and the
 * identity's length on return. A getter: allowed from inside callbacks.
 * @return NSSL_ERROR_OK; NSSL_ERROR_NO_PEER_CERT when no external PSK authenticated the
 *         connection (none offered or taken, or the handshake is not that far);
 *         NSSL_ERROR_INSUFFICIENT_SIZE (with *identityLen the length needed);
 *         NSSL_ERROR_INVALID_ARG for a NULL identityLen; NSSL_ERROR_INVALID_NSSL_CONNECTION. */
NSSL_API int32_t NSSLGetPskIdentity(NSSLConnectionHandle connection, uint8_t *identity,
                                    uint32_t *identityLen);
/** @} */

/* ---------------------------------------------------------------------------------------- */
/** @name I/O: deadlines, modes, application transports, the event-driven API (extensions)
 * A connection moves its bytes one of three ways; every other call (NSSLDoHandshake,
 * NSSLRead, NSSLWrite, NSSLShutdown, sessions, getters) is the same for all three:
 *  - a socket (NSSLCreateConnection);
 *  - the application's callbacks (NSSLCreateTransportConnection): a console's socket layer,
 *    an emulator's guest sockets, a serial link, an in-memory pipe;
 *  - no transport at all (NSSLCreateEventConnection): the application hands NSSL the bytes it
 *    received and takes the bytes to send, from epoll, libuv or an asynchronous socket layer.
 * docs/io.md says what each call returns and what the application does next. */
/** @{ */

/**
 * Deadlines for the context's connections, in milliseconds; 0 is none (the default).
 * @param handshakeMs the whole handshake, from the first call that starts it (NSSLDoHandshake,
 *        or the first NSSLRead or NSSLWrite) to its end, over as many calls as it takes. When
 *        it passes, the handshake fails for good with NSSL_ERROR_TIMEOUT; a non-blocking or
 *        event connection finds out at its next call.
 * @param readMs each NSSLRead or NSSLPeek call that waits (a blocking connection): past it the
 *        call returns NSSL_ERROR_TIMEOUT and the connection is as after NSSL_ERROR_WANT_READ.
 * @param writeMs each NSSLWrite, NSSLShutdown or NSSLKeyUpdate call that waits: past it the
 *        call returns NSSL_ERROR_TIMEOUT and the connection is as after NSSL_ERROR_WANT_WRITE.
 * A socket's SO_RCVTIMEO and SO_SNDTIMEO bound each wait as well, whichever ends first.
 * @return 0; NSSL_ERROR_INVALID_ARG for a negative value; NSSL_ERROR_INVALID_STATE once the
 *         context has connections; NSSL_ERROR_INVALID_NSSL_CONTEXT.
 */
NSSL_API int32_t NSSLContextSetTimeouts(NSSLContextHandle context, int32_t handshakeMs,
                                        int32_t readMs, int32_t writeMs);

/**
 * The same deadlines for one connection (they start as its context's). A handshake already
 * under way keeps the deadline it started with unless handshakeMs changes it: the new
 * deadline counts from the handshake's start.
 * @return 0; NSSL_ERROR_INVALID_ARG for a negative value; NSSL_ERROR_INVALID_NSSL_CONNECTION.
 */
NSSL_API int32_t NSSLSetTimeouts(NSSLConnectionHandle connection, int32_t handshakeMs,
                                 int32_t readMs, int32_t writeMs);

/** Context modes (NSSLContextSetMode): how the context's connections wait. */
#define NSSL_MODE_DEFAULT 0      /**< as each connection's `block` argument says */
#define NSSL_MODE_BLOCKING 1     /**< every connection waits, whatever `block` says */
#define NSSL_MODE_NONBLOCKING 2  /**< no connection waits: WANT_READ / WANT_WRITE instead */

/**
 * Set the default I/O behaviour of the context's connections (NSSL_MODE_*). The console
 * exports this call without public values; NSSL gives it this meaning. It applies to socket and
 * transport connections made after it; event connections never wait.
 * @return 0; NSSL_ERROR_INVALID_ARG for an unknown mode; NSSL_ERROR_INVALID_STATE once the
 *         context has connections; NSSL_ERROR_INVALID_NSSL_CONTEXT.
 */
NSSL_API int32_t NSSLContextSetMode(NSSLContextHandle context, int32_t mode);

/**
 * Transport callbacks. `user` is the pointer given to NSSLCreateTransportConnection. They are
 * called on the thread inside the NSSL call that needs them, and must not call NSSL on the same
 * connection (such a call returns NSSL_ERROR_INVALID_STATE).
 *
 * recv: receive up to len (> 0) bytes into buf. Return the count (1..len), 0 for the end of
 * the stream (the peer closed), NSSL_ERROR_WANT_READ when nothing is there now, or
 * NSSL_ERROR_IO_ERROR.
 *
 * send: send up to len (> 0) bytes. Return the count sent (1..len), NSSL_ERROR_WANT_WRITE when
 * nothing can go now, or NSSL_ERROR_IO_ERROR.
 *
 * wait (optional): block until the transport can receive (forWrite 0) or send (1), at most
 * timeoutMs milliseconds (-1: no limit). Return 0 when it can (or may: NSSL then tries again),
 * NSSL_ERROR_TIMEOUT when the time ran out, or NSSL_ERROR_IO_ERROR.
 *
 * Any other return value, or a count above len, is NSSL_ERROR_TRANSPORT_ERROR: the connection
 * fails for good and the bytes in buf are not used.
 */
typedef int32_t (*NSSLTransportRecvFn)(void *user, void *buf, int32_t len);
typedef int32_t (*NSSLTransportSendFn)(void *user, const void *buf, int32_t len);
typedef int32_t (*NSSLTransportWaitFn)(void *user, int32_t forWrite, int32_t timeoutMs);

/**
 * Create a connection over the application's transport callbacks. Host, options and the
 * context's role are as for NSSLCreateConnection.
 * @param wait NULL if the transport cannot wait: then a blocking connection relies on recv and
 *        send to block themselves (returning WANT_READ / WANT_WRITE from them ends the call with
 *        that value), and deadlines are checked only between their calls.
 * @param block non-zero: calls wait (through wait) until they are done; zero: calls return
 *        NSSL_ERROR_WANT_READ / _WANT_WRITE when the transport does. NSSLContextSetMode can
 *        override it.
 * @return a connection handle, the errors of NSSLCreateConnection, or NSSL_ERROR_INVALID_ARG
 *         when recv or send is NULL.
 */
NSSL_API NSSLConnectionHandle NSSLCreateTransportConnection(
    NSSLContextHandle context, const char *host, int32_t hostLength, int32_t options,
    NSSLTransportRecvFn recv, NSSLTransportSendFn send, NSSLTransportWaitFn wait, void *user,
    int32_t block);

/**
 * Create a connection with no transport (the event-driven API). It never waits: where a socket
 * connection would wait for its peer, NSSLDoHandshake, NSSLRead, NSSLWrite and NSSLShutdown
 * return NSSL_ERROR_WANT_READ (feed what arrives: NSSLGetRecvBuffer / NSSLRecvCommit or
 * NSSLFeed) or NSSL_ERROR_WANT_WRITE (send what NSSLGetSendData gives first). After every
 * call, send what NSSLGetSendData holds. Host, options and role are as for
 * NSSLCreateConnection.
 */
NSSL_API NSSLConnectionHandle NSSLCreateEventConnection(NSSLContextHandle context,
                                                        const char *host, int32_t hostLength,
                                                        int32_t options);

/**
 * Where to put received bytes: *buf gets NSSL's input buffer and *size its free space. Write at
 * most *size bytes there, then call NSSLRecvCommit; no other call on the connection may come in
 * between. *size 0 means a whole record is waiting: call NSSLDoHandshake or NSSLRead first.
 * @return 0; NSSL_ERROR_INVALID_STATE on a connection that is not an event connection, after a
 *         fatal error or after NSSLRecvEnd; NSSL_ERROR_OUT_OF_MEMORY; NSSL_ERROR_INVALID_ARG.
 */
NSSL_API int32_t NSSLGetRecvBuffer(NSSLConnectionHandle connection, void **buf, int32_t *size);

/**
 * Say that n bytes were written into the buffer NSSLGetRecvBuffer gave.
 * @return 0; NSSL_ERROR_INVALID_STATE without a NSSLGetRecvBuffer just before; NSSL_ERROR_INVALID_SIZE
 *         for n < 0 or more than the space given (nothing is taken then).
 */
NSSL_API int32_t NSSLRecvCommit(NSSLConnectionHandle connection, int32_t n);

/**
 * Copy received bytes in (NSSLGetRecvBuffer, memcpy, NSSLRecvCommit): *taken says how many fit.
 * Fewer than len means a record is waiting: call NSSLDoHandshake or NSSLRead, then feed the
 * rest.
 * @return 0; the errors of NSSLGetRecvBuffer; NSSL_ERROR_INVALID_ARG.
 */
NSSL_API int32_t NSSLFeed(NSSLConnectionHandle connection, const void *data, int32_t len,
                          int32_t *taken);

/**
 * The peer closed its side of the stream (a read returned end of file). Later calls report
 * NSSL_ERROR_ZERO_RETURN if its close_notify came before, NSSL_ERROR_IO_ERROR otherwise.
 * @return 0; NSSL_ERROR_INVALID_STATE on a connection that is not an event connection.
 */
NSSL_API int32_t NSSLRecvEnd(NSSLConnectionHandle connection);

/**
 * The bytes waiting to be sent: *data points into NSSL's output buffer, valid until the next
 * call on the connection other than NSSLSendCommit; *size 0 when nothing waits.
 * @return 0; NSSL_ERROR_INVALID_STATE on a connection that is not an event connection.
 */
NSSL_API int32_t NSSLGetSendData(NSSLConnectionHandle connection, const void **data,
                                 int32_t *size);

/**
 * Say that the first n bytes NSSLGetSendData gave were sent.
 * @return 0; NSSL_ERROR_INVALID_SIZE for n < 0 or more than is waiting (taking the same bytes
 *         twice), and nothing is taken then; NSSL_ERROR_INVALID_STATE on a connection that is
 *         not an event connection.
 */
NSSL_API int32_t NSSLSendCommit(NSSLConnectionHandle connection, int32_t n);

/** @} */

/**
 * @name Console error values only
 * @{
 */
/**
 * The console-errors switch: with 1, every function returns only the console's 51 values
 * (NSSL_ERROR_OK, NSSL_ERROR_GENERIC and NSSL_ERROR_BASE - 1 to - 0x31): each extension value
 * becomes its nearest console value (docs/porting.md has the table: a refused setting gives
 * NSSL_ERROR_INVALID_ARG, a failed handshake NSSL_ERROR_HANDSHAKE_ERROR, a failure after it,
 * a timeout or a transport error NSSL_ERROR_IO_ERROR, a revoked certificate
 * NSSL_ERROR_INVALID_CERT). NSSLGetFailureReason and NSSLGetLastAlert still tell the cause.
 * 0 (the default) gives the extension values again. Process-wide, valid before NSSLInit, kept
 * across NSSLFinish.
 * @return 0; NSSL_ERROR_INVALID_ARG for a value other than 0 or 1 (the setting is unchanged).
 */
NSSL_API int32_t NSSLSetConsoleErrors(int32_t on);
/** @} */

/**
 * @name Console certificate IDs and the console's access rule
 * The store reserves every console certificate ID (nssl-api.md §4, docs/porting.md) under its
 * console name. A reserved server CA ID whose certificate the store does not hold is "absent":
 * NSSLAddServerPKI and NSSLAddServerPKIGroups add nothing for it and still succeed, so console
 * code that loops over a whole group runs unchanged, and this context remembers the ID.
 * @{
 */
/**
 * The reserved console IDs this context was asked for (NSSLAddServerPKI, NSSLAddServerPKIGroups,
 * NSSLSetClientPKI) that the store does not hold, in ascending order, each once.
 * @param ids where to write them (may be NULL when maxIds is 0).
 * @param maxIds the capacity of ids.
 * @param count set to the number of absent IDs, all of them even beyond maxIds.
 * @return 0 (maxIds 0 asks for the count only); NSSL_ERROR_INSUFFICIENT_SIZE when there are
 *         more than maxIds > 0 (the first maxIds are written); NSSL_ERROR_INVALID_ARG for count
 *         NULL, maxIds < 0, or ids NULL with maxIds > 0; NSSL_ERROR_INVALID_NSSL_CONTEXT.
 * An ID is listed when a call asked for it: NSSLAddServerPKI and NSSLAddServerPKIGroups succeed
 * for it (the groups' absent IDs count as neither valid nor invalid), NSSLSetClientPKI fails
 * with NSSL_ERROR_INVALID_CERT_ID (a client certificate that is not there cannot be sent).
 */
NSSL_API int32_t NSSLContextGetAbsentCertIds(NSSLContextHandle context, int32_t *ids,
                                             int32_t maxIds, int32_t *count);

/** Who is calling, for the console's per-caller access rule of store entries imported from a
 *  console dump (certstore_metadata.txt CAPABILITY_MASK, TID, PID). */
typedef struct NSSLCallerIdentity {
    uint64_t titleId;        /**< the calling title's ID, e.g. 0x000500101004A200 */
    uint64_t capabilityMask; /**< the caller's capability bits */
    int32_t processId;       /**< its console process ID: 0-13 are IOSU processes, 14 and up
                              *   the PPC side; -1 for none */
    uint32_t reserved;       /**< 0 */
} NSSLCallerIdentity;

/**
 * Declare the caller's identity: from then on an entry with an access rule may be used only if
 * the caller's capability mask shares a bit with the rule's, or its title ID is in the rule's
 * list, or its process ID matches the rule's (-4 any process, -2 an IOSU process, -3 a PPC-side
 * process; a caller whose processId is -1 matches only -4). A refused entry gives
 * NSSL_ERROR_CERT_NO_ACCESS from NSSLAddServerPKI, NSSLSetClientPKI, NSSLAddServerCert and the
 * internal exports, and is left out (counted invalid, never an anchor of that context) by
 * NSSLAddServerPKIGroups; a group added under an identity also judges, at each validation,
 * the CAs (and rules) put into the store after it. NULL withdraws the identity: no rule is
 * enforced, as before the first call. The rule is the console's compatibility behaviour, not a protection on this platform:
 * the store file is readable by whoever may run the program. Process-wide, valid before
 * NSSLInit, kept across NSSLFinish; it applies to calls made after it.
 * @return 0; NSSL_ERROR_INVALID_ARG if reserved is not 0 or processId < -1.
 */
NSSL_API int32_t NSSLSetCallerIdentity(const NSSLCallerIdentity *identity);
/** @} */

/**
 * @name Console exports with unknown semantics
 * The console exports these, but no public source gives their signatures or what they do
 * (docs/porting.md). NSSL declares them so that console code links, in the console's style,
 * and cannot do their job: each returns NSSL_ERROR_UNKNOWN and reads or writes none of its
 * arguments. That is a console value that no caller retries on, never a silent success.
 * @{
 */
/** Console NSSLEncrypt (signature chosen here). @return NSSL_ERROR_UNKNOWN, always. */
NSSL_API int32_t NSSLEncrypt(const void *data, int32_t size, void *out, int32_t *outSize);
/** Console NSSLNSECEncrypt, IOSU command 21 (signature chosen here).
 *  @return NSSL_ERROR_UNKNOWN, always. */
NSSL_API int32_t NSSLNSECEncrypt(const void *data, int32_t size, void *out, int32_t *outSize);
/** Console get_nssl_rm_fd: there the IPC handle of the NSSL device; NSSL runs in the caller's
 *  process and has none. The only export not named NSSL*. @return NSSL_ERROR_UNKNOWN, always
 *  (negative: no descriptor). */
NSSL_API int32_t get_nssl_rm_fd(void);
/** @} */

#ifdef __cplusplus
}
#endif

#endif

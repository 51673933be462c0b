/* nssl-bench internals, shared by tools/nssl-bench.c and the files of tools/bench: the two
 * clients behind one table of operations, the benchmark's servers, the measurements, the
 * libcrypto floor and the kernel floors. docs/performance.md says what each figure means. */
#ifndef NSSL_TOOLS_BENCH_H
#define NSSL_TOOLS_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A library object: an NSSL handle or an OpenSSL pointer. BENCH_NONE is "none" (0 is a valid
 * NSSL handle, so NULL cannot be). */
typedef intptr_t bobj;
#define BENCH_NONE ((bobj)-1)

/* What a client context is set up for. */
struct bench_profile {
    int tls12;          /* 1: TLS 1.2 only; 0: TLS 1.3 only */
    const char *suite;  /* IANA name of the one suite offered; NULL: the bench's TLS 1.3 list */
    const char *cafile; /* the trust anchor (PEM) */
    int learn; /* NSSL: NSSL_CONTEXT_FLAG_LEARN_INTERMEDIATES (OpenSSL has nothing like it) */
};

/* The TLS 1.3 suites both clients offer, in this order, when a profile names none: NSSL's
 * default order, so that both negotiate AES-128-GCM whatever the server prefers. */
#define BENCH_TLS13_SUITES                                                                         \
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

/* The negotiated parameters of a connection, alike for both clients. */
struct bench_info {
    int version;    /* 0x0304, 0x0303 */
    char suite[64]; /* IANA name */
    char group[32]; /* lower case: "x25519" */
    int resumed;
    int verified; /* the server's chain and name were verified (on this or the first
                   * connection of a resumed session) */
};

/* One TLS client library. Every function that fails says why on stderr. */
struct bench_client {
    const char *name; /* "NSSL", "OpenSSL" */
    const char *key;  /* "nssl", "openssl": JSON keys and child-process arguments */
    int (*init)(void);
    bobj (*ctx_new)(const struct bench_profile *p);
    void (*ctx_free)(bobj ctx);
    /* A connection over the connected socket fd, offering session unless it is BENCH_NONE,
     * verifying the chain and the host name "localhost", with its handshake done; BENCH_NONE
     * on failure. */
    bobj (*connect)(bobj ctx, int fd, bobj session);
    int (*info)(bobj conn, struct bench_info *out);
    /* All len bytes: 0, or -1. */
    int (*write)(bobj conn, const void *buf, size_t len);
    /* Up to len bytes: the count (> 0), 0 at the peer's close_notify, -1 on error. */
    long (*read)(bobj conn, void *buf, size_t len);
    /* A resumable session of an established connection, BENCH_NONE if there is none. */
    bobj (*session)(bobj conn);
    void (*session_free)(bobj session);
    /* Send close_notify without waiting for the peer's, free the connection; the socket is
     * the caller's. */
    void (*close)(bobj conn);
    /* A client context trusting the full built-in root store; *roots is the number of roots
     * it reports. BENCH_NONE on failure. */
    bobj (*ctx_roots)(int *roots);
    /* The SHA-256 of the server's leaf certificate (DER) on an established connection: 0, or
     * -1 after a message. */
    int (*leaf)(bobj conn, unsigned char sha256[32]);
};

extern const struct bench_client bench_nssl;
extern const struct bench_client bench_openssl;

/* Say on stderr "nssl-bench: WHO: WHAT failed: " and libcrypto's first queued error, clear the
 * queue: -1. */
int bench_ossl_fail(const char *who, const char *what);

/* ---- measure.c ---- */

/* CPU seconds of this process (every thread); wall seconds of a monotonic clock. */
double bench_cpu(void);
double bench_wall(void);
/* User and system CPU seconds of this process (getrusage RUSAGE_SELF). With tick accounting,
 * Linux charges each scheduler tick (4 ms at CONFIG_HZ=250) wholly to user or system time,
 * whichever was running, then scales both to the process's run time: the split of one short
 * region is noise, so callers add up the regions of every sample of a figure and use only the
 * system share of the sum. */
struct bench_rusage {
    double user;
    double sys;
};
/* The user and system seconds so far; add those since *start to *total. */
void bench_rusage_now(struct bench_rusage *now);
void bench_rusage_add_since(struct bench_rusage *total, const struct bench_rusage *start);
/* The median of v[0..n) (sorts v); 0 for n == 0. */
double bench_median(double *v, int n);
/* Switch callgrind's collection on or off (--callgrind-child; nothing outside valgrind). */
void bench_callgrind_toggle(void);
/* A TCP connection to 127.0.0.1:port with TCP_NODELAY: the socket, or -1 after a message. */
int bench_tcp_connect(int port);

/* n TCP connections to port, each closed at once: CPU seconds per connection, or -1. The part
 * of every handshake figure that is the kernel's TCP set-up and tear-down. */
double bench_tcp_batch(int port, int n);

/* The handshake figures: which version, suite, certificate chain, and whether resumed. */
struct bench_scenario {
    const char *id;    /* JSON key and --callgrind-child argument */
    const char *label; /* table row */
    int tls12;
    const char *suite; /* NULL: BENCH_TLS13_SUITES */
    int rsa;           /* 1: the RSA-2048 chain's listener; 0: ECDSA P-256 */
    int resume;
    int cold; /* a new client context for each handshake (made and freed outside the measured
               * part): first contact, nothing the context keeps from earlier connections */
    int rotate; /* the rotating-leaf server: each handshake meets a leaf it has not seen, under
                 * the intermediate of every connection before (server_rotate.c) */
};
extern const struct bench_scenario bench_scenarios[];
extern const int bench_nscenarios;
const struct bench_scenario *bench_scenario_find(const char *id);

/* Where the clients connect and what they trust. */
struct bench_target {
    int port_ecdsa; /* listener presenting server-p256-chain */
    int port_rsa;   /* listener presenting server-rsa-chain2048-chain */
    int port_rotate; /* listener presenting a new leaf under int-ca each time (0: none) */
    const char *ca_ecdsa;
    const char *ca_rsa;
    int echo_only; /* the server only echoes (nssl-server): bulk data is echoed back */
};

/* One client's side of a handshake figure: its context and the session it resumes. */
struct bench_hs {
    const struct bench_client *c;
    const struct bench_scenario *s;
    const struct bench_target *t;
    struct bench_profile profile;
    bobj ctx;
    bobj session;
    int port;
    long done;        /* handshakes measured */
    long not_resumed; /* of them, resumed ones that came out full */
    int callgrind;    /* toggle callgrind's collection around the measured parts, no clocks */
    long same_leaf;   /* of them, with a rotating server, ones whose leaf was the one before */
    unsigned char last_leaf[32]; /* SHA-256 of the last leaf, with a rotating server */
    double wall;      /* wall seconds per handshake of the last batch, all of it */
    struct bench_rusage ru; /* user and system seconds of the measured parts of every
                             * batch so far (not with callgrind) */
};

/* Set up r (a context, a first session when resuming) and check two handshakes: 0 or -1
 * after a message. */
int bench_hs_setup(struct bench_hs *r, const struct bench_client *c, const struct bench_scenario *s,
                   const struct bench_target *t, int verbose);
void bench_hs_teardown(struct bench_hs *r);
/* n handshakes; CPU seconds per handshake (r->wall: wall seconds), or -1 after a message. */
double bench_hs_batch(struct bench_hs *r, int n);

/* One bulk transfer of bytes over a fresh connection of ctx (whose TLS 1.3 suite must come out
 * as suite): CPU and wall seconds of receiving them, and their user and system seconds added
 * to *ru. 0 or -1 after a message. */
int bench_bulk(const struct bench_client *c, bobj ctx, const struct bench_target *t,
               const char *suite, long bytes, double *cpu, double *wall,
               struct bench_rusage *ru);

/* ---- floor.c, floor_resumed.c, floor_common.c ---- */

/* The libcrypto floor of a handshake: the client's cryptography of one handshake called
 * directly through EVP, everything that can be prepared once prepared once. */
struct bench_floor;
/* A TLS 1.3 full handshake: X25519 key generation and derivation, the chain's parsing and
 * X509_verify_cert, the CertificateVerify signature, transcript hash, the key schedule, AEAD
 * key setup and the handshake records' protection. chain: leaf + intermediate (PEM); key: the
 * leaf's private key (to make the signature); root: the trust anchor. NULL after a message. */
struct bench_floor *bench_floor_new(const char *chain, const char *key, const char *root);
/* A resumed handshake. tls12 1: TLS 1.2 abbreviated handshake with
 * TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (transcript hash, the PRF's key block and Finished
 * MACs under the master secret, AEAD key setup, the two Finished records); 0: TLS 1.3
 * psk_dhe_ke (X25519, the PSK's early secret and binder, the key schedule, transcript hash,
 * AEAD key setup and the handshake records' protection), no certificate. NULL after a
 * message. */
struct bench_floor *bench_floor_resumed_new(int tls12);
/* n iterations: CPU seconds per iteration, or -1 after a message. */
double bench_floor_batch(struct bench_floor *f, int n);
/* The main parts of an iteration of a full handshake's floor, each measured on its own n
 * times, CPU seconds per iteration: [0] parsing the two certificates (d2i_X509), [1]
 * validating the parsed chain (X509_verify_cert), [2] the CertificateVerify signature, [3]
 * X25519 key generation and derivation. 0 or -1 after a message (and for a resumed
 * handshake's floor). */
#define BENCH_FLOOR_PARTS 4
int bench_floor_parts(struct bench_floor *f, int n, double parts[BENCH_FLOOR_PARTS]);
void bench_floor_free(struct bench_floor *f);

/* ---- kernel_floor.c ---- */

/* The kernel floors: the socket work of a bulk receive and of a resumed handshake, with no TLS
 * library, against a raw TCP peer in a child process on 127.0.0.1. */
struct bench_peer {
    pid_t pid; /* -1: none */
    int port;
};
/* A peer that answers each connection's first byte with `records` full TLS 1.3 records
 * (BENCH_WIRE_RECORD bytes each, arbitrary contents), then closes. 0 or -1 after a message. */
int bench_peer_bulk(struct bench_peer *p, long records);
/* A peer that, for each connection, reads BENCH_EX_HELLO bytes, writes BENCH_EX_FLIGHT bytes
 * and reads until the client closes. 0 or -1 after a message. */
int bench_peer_exchange(struct bench_peer *p);
/* Kill and reap the peer (nothing if there is none). */
void bench_peer_stop(struct bench_peer *p);

/* A full TLS 1.3 record on the wire: header, 16 KiB of data, the content type, the tag. */
#define BENCH_WIRE_RECORD (5 + 16384 + 1 + 16)
/* The client's messages of a resumed TLS 1.2 handshake (bytes, rounded up): the ClientHello
 * with its ticket; the server's flight (ServerHello, ChangeCipherSpec, Finished); the client's
 * ChangeCipherSpec and Finished; its close_notify. */
#define BENCH_EX_HELLO 320
#define BENCH_EX_FLIGHT 160
#define BENCH_EX_FINISHED 60
#define BENCH_EX_CLOSE 24

/* The bulk floor of suite (TLS_AES_128_GCM_SHA256 or TLS_CHACHA20_POLY1305_SHA256): over a
 * new connection to a bench_peer_bulk peer, `records` records received one at a time and each
 * decrypted with the EVP calls of a TLS 1.3 record. *cpu: CPU seconds of that loop; *recvs:
 * its recv calls. 0 or -1 after a message. */
int bench_bulk_floor(const char *suite, int port, long records, double *cpu, long *recvs);
/* n exchanges with a bench_peer_exchange peer, each on a new connection: socket, connect,
 * the message pattern of a resumed TLS 1.2 handshake, close. CPU seconds per exchange, or -1
 * after a message. */
double bench_tcp_exchange_batch(int port, int n);

/* ---- heap.c ---- */

/* Heap bytes in use and the most ever in use in this process, counted by malloc, calloc,
 * realloc, free and the aligned allocators defined in heap.c (usable sizes). Both -1 when the
 * counting allocator is not built (sanitizer builds). */
long bench_heap_current(void);
long bench_heap_peak(void);
/* Stop counting (the benchmark proper does not pay for it; only the heap child counts). */
void bench_heap_stop(void);
/* Restart the peak at the current figure. */
void bench_heap_reset_peak(void);

/* The heap figures of one client, measured in a fresh process (tools/nssl-bench.c runs it as
 * a child): printed on stdout as "heap KEY VALUE" lines. 0 or -1. */
int bench_heap_child(const struct bench_client *c, const struct bench_target *t, int conns);

/* ---- server.c ---- */

/* The benchmark's server: its process(es) and where to reach them. */
struct bench_server {
    pid_t pids[2];
    int npids;
    char dir[64]; /* temporary directory (nssl-server's ready files and logs); "" if none */
};

/* Start a libssl server in a child process: one listener per chain, threads per connection;
 * it echoes, and answers "SEND n\n" with n bytes in 16 KiB records. 0 or -1. */
int bench_server_openssl(struct bench_server *srv, struct bench_target *t, const char *certs);
/* Start two tools/nssl-server processes (ECDSA and RSA chain), echo mode. 0 or -1. */
int bench_server_nssl(struct bench_server *srv, struct bench_target *t, const char *certs,
                      const char *exe);
/* Start the rotating-leaf server (server_rotate.c) in a child process: `leaves` leaves made
 * before it is ready, connection k served the leaf k modulo leaves; its port in
 * t->port_rotate. 0 or -1. */
int bench_server_rotate(struct bench_server *srv, struct bench_target *t, const char *certs,
                        int leaves);
/* The most leaves it makes (a run that needs more meets each again after this many). */
#define BENCH_MAX_LEAVES 4096
void bench_server_stop(struct bench_server *srv);
/* A listening TCP socket on 127.0.0.1, an ephemeral port in *port: the socket, or -1 after a
 * message. */
int bench_listen_loopback(int *port);

#endif

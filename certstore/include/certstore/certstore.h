/* The NSSL certificate store: a SQLite file of certificates addressed by stable integer IDs,
 * grouped by bit masks, with client keys and chains, intermediates and CRLs.
 *
 * It knows nothing of TLS: it stores and hands out DER (DESIGN.md §8). The SDK opens a store
 * read-only; the nssl-certstore tool opens it read-write. Every change is one transaction;
 * every certificate's SHA-256 is stored and checked on read.
 *
 * All functions return NSSL_CS_OK (0) or a negative nssl_cs_err; nssl_cs_errmsg() gives a
 * readable message for the last failure on a handle. A handle may be used from several threads
 * (calls are serialised on the handle).
 */
#ifndef NSSL_CERTSTORE_CERTSTORE_H
#define NSSL_CERTSTORE_CERTSTORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The schema version this library writes (PRAGMA user_version). */
#define NSSL_CS_SCHEMA_VERSION 2

enum nssl_cs_err {
    NSSL_CS_OK = 0,
    NSSL_CS_E_NOMEM = -1,
    NSSL_CS_E_OPEN = -2,      /* the file cannot be opened or created */
    NSSL_CS_E_CORRUPT = -3,   /* not a store, damaged, or a row fails its integrity check */
    NSSL_CS_E_BUSY = -4,      /* locked by another writer past the busy timeout */
    NSSL_CS_E_NOT_FOUND = -5, /* no such ID, group or row */
    NSSL_CS_E_EXISTS = -6,    /* the ID (or group bit/name) is taken by something else */
    NSSL_CS_E_INVALID = -7,   /* input that does not parse (certificate, key, CRL) */
    NSSL_CS_E_READONLY = -8,  /* a change through a read-only handle */
    NSSL_CS_E_VERSION = -9,   /* the file's schema is newer than this library */
    NSSL_CS_E_ARG = -10,      /* bad argument */
    NSSL_CS_E_SMALL = -11,    /* caller's buffer too small */
    NSSL_CS_E_IO = -12,       /* any other SQLite failure */
    NSSL_CS_E_RETIRED = -13,  /* the ID belonged to a removed certificate and is never reused */
    NSSL_CS_E_ABSENT = -14,   /* a reserved console ID with no certificate in this store */
    NSSL_CS_E_MISMATCH = -15, /* not the certificate (or kind) the reserved console ID names */
    NSSL_CS_E_SIGNATURE = -16, /* an update not signed by the pinned update key */
    NSSL_CS_E_ROLLBACK = -17,  /* an update whose version is not newer than the store's */
    NSSL_CS_E_TAMPERED = -18,  /* the store's seal (keyed MAC) does not verify: changed outside
                                * the library, or sealed with another device key */
};

/* What a certificate is for. */
enum nssl_cs_kind {
    NSSL_CS_KIND_SERVER_CA = 1,    /* trust anchor for verifying servers (the console's TYPE 1) */
    NSSL_CS_KIND_CLIENT = 2,       /* client certificate with its private key (TYPE 2) */
    NSSL_CS_KIND_INTERMEDIATE = 3, /* not trusted: completes chains a peer sent incompletely */
};

/* Entry properties (the console's NSSLCertProperties values where they exist). */
enum nssl_cs_prop {
    NSSL_CS_PROP_HAS_SECOND_PATH = 0x1, /* console dump: the entry had a key file (kept as is) */
    NSSL_CS_PROP_EXPORTABLE = 0x2,     /* the certificate may be exported */
    NSSL_CS_PROP_ENCRYPTED = 0x4,      /* console dump: the key file was encrypted (kept as is) */
    NSSL_CS_PROP_KEY_EXPORTABLE = 0x8, /* the private key may be exported too */
    NSSL_CS_PROP_BUILTIN = 0x10,       /* pinned by the manifest */
};

/* Open flags. */
enum nssl_cs_open_flags {
    NSSL_CS_READONLY = 0x1,
    NSSL_CS_CREATE = 0x2,   /* create the file and schema if missing (read-write only) */
};

struct nssl_certstore;

struct nssl_cs_entry {
    int32_t id;
    int kind;                      /* enum nssl_cs_kind */
    char name[128];
    uint32_t groups;               /* bit mask */
    uint32_t props;                /* enum nssl_cs_prop bits */
    uint8_t sha256[32];            /* of the certificate DER */
    char subject[256];             /* RFC 2253 text */
    int64_t not_before, not_after; /* Unix time */
    int key_bits;                  /* public key size in bits (256 for P-256, 2048 for RSA...) */
    int has_key;                   /* a private key is stored (client entries) */
    int chain_len;                 /* number of chain certificates stored (client entries) */
};

/* A reserved console ID (schema 2): the console's built-in certificate IDs (nssl-api.md §4)
 * keep their meaning for ever. The certificate may be in the store (present) or not (absent:
 * console code that adds it gets nothing and success, NSSLContextGetAbsentCertIds lists it). */
struct nssl_cs_reserved {
    int32_t id;
    int kind;                      /* enum nssl_cs_kind: SERVER_CA or CLIENT */
    char name[128];                /* the console's name, e.g. "CYBERTRUST_GLOBAL_ROOT_CA" */
    uint32_t groups;               /* group bits the ID belongs to (0 for client IDs) */
    char sha1[41];                 /* lowercase hex prefix (up to 40 digits) of the console
                                    * certificate's SHA-1, "" when unknown */
    int32_t alias_of;              /* 0, or the ID whose entry this ID names too (the console's
                                    * client IDs 7 and 8 use the files of 4 and 6): every lookup
                                    * of this ID (entry, DER, key, chain) gives that entry's */
    int present;                   /* a certificate is stored under the ID (for an alias: under
                                    * the ID it names) */
};

/* The console's per-caller access rule of an entry (certstore_metadata.txt CAPABILITY_MASK,
 * TID, PID; nssl-api.md §4). A caller may use the entry if its capability mask shares a bit with
 * capability_mask, or its title ID is in tids, or its process ID matches pids (-4 any process,
 * -2 IOSU processes, -3 PPC-side processes; -1 ends a console list and is not stored). An entry
 * without a rule may be used by anyone. */
#define NSSL_CS_ACCESS_MAX 32
struct nssl_cs_access {
    uint64_t capability_mask;
    uint64_t tids[NSSL_CS_ACCESS_MAX];
    size_t ntids;
    int32_t pids[NSSL_CS_ACCESS_MAX];
    size_t npids;
};

struct nssl_cs_group {
    int bit;                       /* 0..31 */
    char name[64];
    char description[160];
};

/* ---- opening ---- */

/* Open (or with NSSL_CS_CREATE create) a store. Migrates an older schema when read-write;
 * a read-only handle on an older schema fails with NSSL_CS_E_VERSION. Checks that the file is a
 * store (NSSL_CS_E_CORRUPT otherwise). On failure *out is NULL; *msg (if not NULL) receives a
 * static or thread-local message. */
int nssl_cs_open(const char *path, int flags, struct nssl_certstore **out, const char **msg);
void nssl_cs_close(struct nssl_certstore *cs);
const char *nssl_cs_errmsg(const struct nssl_certstore *cs);
/* How long a change waits for another writer's lock before failing with NSSL_CS_E_BUSY
 * (default 5000 ms; 0 fails at once). */
int nssl_cs_set_busy_timeout(struct nssl_certstore *cs, int ms);

/* ---- certificates ---- */

/* Import one DER certificate. id 0 asks for the next free ID at or above id_floor (never a
 * retired one). Re-importing the same certificate (same SHA-256) updates nothing and returns its
 * existing ID in *id_out (idempotent); asking for an explicit ID that holds another certificate
 * is NSSL_CS_E_EXISTS, a retired ID NSSL_CS_E_RETIRED. name may be NULL (derived from the
 * subject's CN/O). id 0 never picks a reserved console ID. Under a reserved ID, see
 * nssl_cs_set_fingerprint_check; groups 0 there means the reservation's groups (non-zero: the
 * caller's) and name NULL the reservation's name. props may also carry NSSL_CS_PROP_HAS_SECOND_PATH and NSSL_CS_PROP_ENCRYPTED, kept
 * as a console dump had them (both import functions). */
int nssl_cs_import_cert(struct nssl_certstore *cs, const uint8_t *der, size_t der_len, int kind,
                        int32_t id, int32_t id_floor, const char *name, uint32_t groups,
                        uint32_t props, int32_t *id_out);
/* A client entry: certificate, private key (PKCS#8 or traditional DER), and chain (DER
 * certificates, issuer order). The key must match the certificate (NSSL_CS_E_INVALID). */
int nssl_cs_import_client(struct nssl_certstore *cs, const uint8_t *cert, size_t cert_len,
                          const uint8_t *key, size_t key_len, const uint8_t *const *chain,
                          const size_t *chain_lens, size_t chain_count, int32_t id,
                          const char *name, uint32_t props, int32_t *id_out);
/* Remove an entry; its ID is retired for ever, unless it is a reserved console ID, which stays
 * reserved and becomes absent. An alias has no entry of its own (NSSL_CS_E_NOT_FOUND). */
int nssl_cs_remove(struct nssl_certstore *cs, int32_t id);
/* Metadata of an entry. A reserved console ID with no certificate is NSSL_CS_E_ABSENT (e->id,
 * kind, name and groups are then filled from the reservation, the rest zeroed). An alias gives
 * the entry of the ID it names, with e->id the alias's own ID. The DER, key and chain functions
 * below resolve aliases the same way and give NSSL_CS_E_ABSENT for an absent reserved ID. */
int nssl_cs_entry(struct nssl_certstore *cs, int32_t id, struct nssl_cs_entry *e);
/* The certificate DER, checked against its stored SHA-256 (NSSL_CS_E_CORRUPT on mismatch).
 * *der is malloc'd; the caller frees it. */
int nssl_cs_cert_der(struct nssl_certstore *cs, int32_t id, uint8_t **der, size_t *len);
/* A client entry's private key DER (PKCS#8), checked like certificates. malloc'd. */
int nssl_cs_key_der(struct nssl_certstore *cs, int32_t id, uint8_t **der, size_t *len);
/* A client entry's chain certificate number i (0-based), checked. malloc'd. */
int nssl_cs_chain_der(struct nssl_certstore *cs, int32_t id, int i, uint8_t **der, size_t *len);
/* Visit every entry in ID order (kind 0 = all kinds). A callback returning non-zero stops the
 * walk and that value is returned. */
int nssl_cs_list(struct nssl_certstore *cs, int kind,
                 int (*fn)(void *arg, const struct nssl_cs_entry *e), void *arg);
/* Entries with this subject (DER of the X.509 Name) and kind (0 = any), with their checked
 * DER, in ID order: the on-demand lookup of trust anchors and intermediates. No match is
 * NSSL_CS_OK without a call; a row that fails its SHA-256 check fails the whole lookup with
 * NSSL_CS_E_CORRUPT (before any call). Callbacks of this and the other walks run without the
 * handle's lock, so they may use the handle. */
int nssl_cs_find_by_subject(struct nssl_certstore *cs, const uint8_t *subject_der,
                            size_t subject_len, int kind,
                            int (*fn)(void *arg, int32_t id, uint32_t groups, const uint8_t *der,
                                      size_t len),
                            void *arg);
/* The ID of the entry holding the certificate with this SHA-256 (of its DER), or
 * NSSL_CS_E_NOT_FOUND. */
int nssl_cs_find_by_sha256(struct nssl_certstore *cs, const uint8_t sha256[32], int32_t *id);
/* Count entries of a kind in the groups of mask (for NSSLAddServerPKIGroups). */
int nssl_cs_count_in_groups(struct nssl_certstore *cs, int kind, uint32_t mask, int32_t *count);

/* ---- reserved console IDs and access rules (schema 2) ---- */

/* Reserve a console ID (kind, name, groups, SHA-1 prefix, alias_of; r->present is ignored).
 * Idempotent for the same values; NSSL_CS_E_EXISTS if the ID is reserved with other values or
 * holds a certificate of another kind (or, for an alias, any certificate), NSSL_CS_E_MISMATCH if
 * it holds a certificate whose SHA-1 does not start with the prefix (while the fingerprint check
 * is on), NSSL_CS_E_RETIRED if it is retired, NSSL_CS_E_NOT_FOUND if a group bit names no group,
 * NSSL_CS_E_ARG for a bad kind, name or prefix, or an alias_of that is not a reserved ID of the
 * same kind that is no alias itself (reserve the named ID first). */
int nssl_cs_reserve(struct nssl_certstore *cs, const struct nssl_cs_reserved *r);
/* The reservation of an ID, with present set; NSSL_CS_E_NOT_FOUND if it is not reserved. */
int nssl_cs_reserved_get(struct nssl_certstore *cs, int32_t id, struct nssl_cs_reserved *r);
/* Visit the reserved IDs in ID order: kind 0 = all kinds; mask 0 = all, else those sharing a
 * group bit with mask; absent_only: only those with no certificate. Stops like nssl_cs_list. */
int nssl_cs_list_reserved(struct nssl_certstore *cs, int kind, uint32_t mask, int absent_only,
                          int (*fn)(void *arg, const struct nssl_cs_reserved *r), void *arg);
/* Importing under a reserved ID (nssl_cs_import_cert / nssl_cs_import_client with its id) checks
 * that the kind is the reservation's and, when the reservation has a SHA-1 prefix, that the
 * certificate's SHA-1 starts with it (NSSL_CS_E_MISMATCH otherwise). on = 0 turns the
 * fingerprint check off on this handle (generated test dumps, an integrator's own vendor CA);
 * the kind is always checked. Importing under an alias is NSSL_CS_E_EXISTS (import under the
 * ID it names). Removing a certificate under a reserved ID leaves the ID reserved and absent
 * (not retired). */
int nssl_cs_set_fingerprint_check(struct nssl_certstore *cs, int on);

/* The console's built-in certificate IDs (nssl-api.md §4), ascending, present 0: server CAs
 * 100-105 (group bit 0), 1001-1033 (bit 1), 1900-1901 (bit 2) with their SHA-1 prefixes, and
 * client IDs 1, 3-8 (no groups, no fingerprint). *count receives the number of entries. */
const struct nssl_cs_reserved *nssl_cs_console_ids(size_t *count);

/* Set an entry's access rule (a = NULL removes it: anyone may use the entry). At most
 * NSSL_CS_ACCESS_MAX title and process IDs; a process ID is 0 or more, -2, -3 or -4
 * (NSSL_CS_E_ARG otherwise). An alias sets the rule of the entry it names; the rule goes with
 * the entry when it is removed. NSSL_CS_E_NOT_FOUND for no such entry, NSSL_CS_E_ABSENT for a
 * reserved ID with no certificate. */
int nssl_cs_set_access(struct nssl_certstore *cs, int32_t id, const struct nssl_cs_access *a);
/* An entry's access rule (an alias: the named entry's): *restricted = 0 (and *a zeroed) when it
 * has none. NSSL_CS_E_NOT_FOUND for no such entry, NSSL_CS_E_ABSENT as above. */
int nssl_cs_get_access(struct nssl_certstore *cs, int32_t id, struct nssl_cs_access *a,
                       int *restricted);

/* ---- batches ---- */

/* Make several changes one transaction: from nssl_cs_batch_begin to nssl_cs_batch_end, every
 * change runs inside it (each as a savepoint, so a failed change undoes only itself and the
 * caller decides); nssl_cs_batch_end(cs, 1) commits them all, (cs, 0) undoes them all. Not
 * nested (a second begin is NSSL_CS_E_ARG); read-write handles only. */
int nssl_cs_batch_begin(struct nssl_certstore *cs);
int nssl_cs_batch_end(struct nssl_certstore *cs, int commit);

/* ---- groups ---- */

int nssl_cs_group_create(struct nssl_certstore *cs, int bit, const char *name,
                         const char *description);
int nssl_cs_group_assign(struct nssl_certstore *cs, int32_t id, int bit);
int nssl_cs_group_unassign(struct nssl_certstore *cs, int32_t id, int bit);
int nssl_cs_group_list(struct nssl_certstore *cs,
                       int (*fn)(void *arg, const struct nssl_cs_group *g), void *arg);
/* Bit of a group by name, or NSSL_CS_E_NOT_FOUND. */
int nssl_cs_group_bit(struct nssl_certstore *cs, const char *name, int *bit);

/* ---- CRLs ---- */

/* Import a DER CRL (idempotent by SHA-256). Its signature is not checked here: the SDK checks
 * it against the issuer when it uses it. */
int nssl_cs_add_crl(struct nssl_certstore *cs, const uint8_t *der, size_t len);
/* CRLs whose issuer is this Name (DER), checked, newest (thisUpdate) first. issuer_der NULL
 * (and issuer_len 0) visits every CRL of the store. No match is NSSL_CS_OK without a call. */
int nssl_cs_find_crls(struct nssl_certstore *cs, const uint8_t *issuer_der, size_t issuer_len,
                      int (*fn)(void *arg, const uint8_t *der, size_t len), void *arg);

/* A stored CRL without its DER: enough for a caller that keeps parsed CRLs by SHA-256 to know
 * whether it must read the DER at all. */
struct nssl_cs_crl_ref {
    int64_t row;         /* the crls row */
    uint8_t sha256[32];  /* of the DER, as stored (checked when the DER is read) */
    int64_t this_update; /* Unix time */
};
/* Up to max CRLs whose issuer is this Name (DER), newest (thisUpdate) first, into out; *count
 * says how many. Reads the covering index only, never a CRL's DER. No match is NSSL_CS_OK with
 * *count 0. */
int nssl_cs_find_crl_refs(struct nssl_certstore *cs, const uint8_t *issuer_der,
                          size_t issuer_len, size_t max, struct nssl_cs_crl_ref *out,
                          size_t *count);
/* The DER of the CRL ref names (malloc'd into *der), checked against its SHA-256:
 * NSSL_CS_E_CORRUPT on a mismatch, NSSL_CS_E_NOT_FOUND if the row is gone or now holds
 * another CRL. */
int nssl_cs_crl_der(struct nssl_certstore *cs, const struct nssl_cs_crl_ref *ref, uint8_t **der,
                    size_t *len);

/* A stored CRL for a listing (crl_list.c). */
struct nssl_cs_crl_info {
    uint8_t sha256[32];  /* of the DER: what nssl_cs_remove_crl takes */
    int64_t this_update; /* Unix time */
    int64_t next_update; /* Unix time, 0 if the CRL has none */
    char issuer[256];    /* RFC 2253 text */
};
/* Visit every CRL, newest (thisUpdate) first, without its DER. Stops like nssl_cs_list. */
int nssl_cs_list_crls(struct nssl_certstore *cs,
                      int (*fn)(void *arg, const struct nssl_cs_crl_info *c), void *arg);
/* Remove the CRL with this SHA-256 (of its DER): NSSL_CS_E_NOT_FOUND if there is none. */
int nssl_cs_remove_crl(struct nssl_certstore *cs, const uint8_t sha256[32]);

/* ---- integrity ---- */

/* Check every row: SHA-256 of every certificate, key, chain and CRL, the schema, foreign keys,
 * and SQLite's own integrity_check. Problems are reported through fn (may be NULL); the result
 * is NSSL_CS_OK or NSSL_CS_E_CORRUPT. */
int nssl_cs_check(struct nssl_certstore *cs, void (*fn)(void *arg, const char *problem),
                  void *arg);

/* ---- signed updates (update.c, update_format.c; docs/certstore.md "Signed updates") ---- */

/* A trust-store update: additions, removals, CRLs and optionally the next update key, with a
 * version number, signed by the vendor's Ed25519 key. */
#define NSSL_CS_UPDATE_FORMAT 1              /* the file format this library reads and writes */
#define NSSL_CS_UPDATE_MAX_RECORDS 4096
#define NSSL_CS_UPDATE_MAX_DER 65536         /* one certificate, CRL or key */
#define NSSL_CS_UPDATE_MAX_SIZE (16u << 20)  /* the whole file */

struct nssl_cs_update_add {
    const uint8_t *der;            /* the certificate (parsed updates: points into the file) */
    size_t der_len;
    int kind;                      /* NSSL_CS_KIND_SERVER_CA or NSSL_CS_KIND_INTERMEDIATE */
    int32_t id;                    /* explicit: every device gets the same ID */
    char name[128];                /* "" for the reservation's name or the subject's */
    uint32_t groups;               /* bits; 0 under a reserved ID: the reservation's */
    uint32_t props;                /* NSSL_CS_PROP_EXPORTABLE and NSSL_CS_PROP_BUILTIN only */
};

struct nssl_cs_update {
    uint64_t version;              /* 1..2^63-1; a store applies only a newer one */
    uint8_t signer[32];            /* SHA-256 of the signing key's SubjectPublicKeyInfo DER */
    struct nssl_cs_update_add *adds;
    size_t nadds;
    int32_t *removes;
    size_t nremoves;
    const uint8_t **crls;          /* DER CRLs */
    size_t *crl_lens;
    size_t ncrls;
    const uint8_t *new_key;        /* SubjectPublicKeyInfo DER of the next update key, or NULL */
    size_t new_key_len;
    /* Filled by nssl_cs_update_parse: the signed bytes and the signature. */
    const uint8_t *signed_part;
    size_t signed_len;
    const uint8_t *sig;
    size_t sig_len;
};

/* Write and sign an update (u->signer and the parse-only fields are ignored): key is the
 * vendor's Ed25519 private key (PKCS#8 DER). *out is malloc'd. NSSL_CS_E_ARG for a field out of
 * range (kind, ID, name, props, sizes, an ID named twice), NSSL_CS_E_INVALID for a key that is
 * not an Ed25519 private key. */
int nssl_cs_update_make(const struct nssl_cs_update *u, const uint8_t *key, size_t key_len,
                        uint8_t **out, size_t *out_len);
/* Parse an update file without checking its signature; the pointers in *u point into buf,
 * which must outlive it. Every length is checked; NSSL_CS_E_INVALID for anything malformed
 * (*why, if not NULL, says what). Free with nssl_cs_update_free. */
int nssl_cs_update_parse(const uint8_t *buf, size_t len, struct nssl_cs_update *u,
                         const char **why);
void nssl_cs_update_free(struct nssl_cs_update *u);

/* Pin the update key (Ed25519 SubjectPublicKeyInfo DER) of a store that has none: the
 * provisioning step. Pinning the same key again is OK; another key is NSSL_CS_E_EXISTS: the
 * pinned key changes only through an update signed by it that carries the next key. */
int nssl_cs_pin_update_key(struct nssl_certstore *cs, const uint8_t *spki, size_t len);
/* The store's update version (0 before the first update) and the SHA-256 of the pinned key's
 * SubjectPublicKeyInfo (*pinned 0 when no key is pinned). */
int nssl_cs_update_state(struct nssl_certstore *cs, uint64_t *version, uint8_t key_sha256[32],
                         int *pinned);
/* Apply an update in one transaction, all or nothing: NSSL_CS_E_INVALID for a malformed file,
 * NSSL_CS_E_NOT_FOUND when no key is pinned, NSSL_CS_E_SIGNATURE when it is not signed by the
 * pinned key, NSSL_CS_E_ROLLBACK when its version is not above the store's; then every record
 * in file order (additions keep the ID rules: a used, retired or reserved-for-another ID fails
 * the update), the next key, the version. progress (may be NULL) is called after each record
 * (done of total); non-zero stops and undoes the update (that value is returned). On a sealed
 * store the handle needs the device key (nssl_cs_set_mac_key) and the seal is renewed in the
 * same transaction. */
int nssl_cs_apply_update(struct nssl_certstore *cs, const uint8_t *buf, size_t len,
                         int (*progress)(void *arg, size_t done, size_t total), void *arg);

/* ---- tamper detection: the seal (seal.c; docs/certstore.md "Tamper detection") ---- */

/* Give the handle the device key (32 to 64 bytes, held outside the store). With it, every
 * change verifies the seal first (NSSL_CS_E_TAMPERED) and renews it on commit; without it a
 * sealed store refuses changes (NSSL_CS_E_READONLY). The key is wiped at close. */
int nssl_cs_set_mac_key(struct nssl_certstore *cs, const uint8_t *key, size_t len);
/* Seal the store with the handle's key: the first seal of an unsealed store, or a renewal of
 * a seal that verifies (NSSL_CS_E_TAMPERED otherwise). NSSL_CS_E_ARG without a key. */
int nssl_cs_seal(struct nssl_certstore *cs);
/* Verify the seal: NSSL_CS_OK, or NSSL_CS_E_TAMPERED if it does not match the content or the
 * store is not sealed (a device that has a key must have a sealed store). NSSL_CS_E_ARG
 * without a key. *sealed (may be NULL) says whether the store carries a seal at all. */
int nssl_cs_verify_seal(struct nssl_certstore *cs, int *sealed);
/* Keep the store's latest seal in a file outside the store too (beside the device key, where
 * whoever can write the store cannot): the seal alone cannot tell the store from an older
 * sealed copy of itself. With a record, nssl_cs_verify_seal and every change also refuse a
 * store whose seal is not the recorded one, or a missing record (NSSL_CS_E_TAMPERED); every
 * change with the key rewrites it (mode 0600, atomically). nssl_cs_seal creates it. */
int nssl_cs_set_seal_record(struct nssl_certstore *cs, const char *path);
/* Watch the seal (the handle needs the device key; read-only handles included: the SDK's):
 * verify it now, and from then on every call reads the store inside one read transaction whose
 * snapshot's seal was verified, again whenever another connection committed since the last
 * verification (SQLite's data version). A store that changes behind the library's back
 * between two calls is therefore never read. NSSL_CS_E_TAMPERED now or from any later call;
 * once seen, tampering is sticky: every later call on the handle fails with it. */
int nssl_cs_watch_seal(struct nssl_certstore *cs);

const char *nssl_cs_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif

/**
 * @file nssl_store.h
 * @brief Managing a certificate store (extension, issue 16 item 6): open a store file
 * read-write, import, remove and list certificates, client keys, CRLs and intermediates, edit
 * groups, apply signed updates.
 *
 * The store is the SQLite file the SDK reads its trust anchors, client certificates,
 * intermediates and CRLs from (NSSLSetCertStorePath, docs/certstore.md); the nssl-certstore
 * tool manages the same files. Every change is a transaction: a call either changes the store
 * completely or not at all, and NSSLStoreBegin ... NSSLStoreCommit makes several calls one
 * transaction. IDs keep the stability rules of docs/certstore.md: an ID once given to a
 * certificate never names another one (removing retires it for ever, except a reserved console
 * ID, which becomes absent and may take its own certificate again).
 *
 * Conventions are nssl.h's: an int32 handle, an int32 result that is NSSL_ERROR_OK (0) or a
 * negative NSSL_ERROR_* value, out-parameters, and "a NULL buffer asks for the size". The
 * console-errors switch (NSSLSetConsoleErrors) maps the store's values to console ones too.
 * NSSLStoreGetErrorMessage says in words why the last call on a handle failed.
 *
 * Thread safety: the table of store handles is locked, and closing a handle (or NSSLFinish)
 * while another thread is inside a call on it is safe (the call finishes first). A store handle
 * should still be used by one thread at a time: a transaction (NSSLStoreBegin) belongs to the
 * handle, not to a thread, so calls of another thread would join it. Several handles (in one
 * or several processes) may change one file: a change waits up to 5 seconds for another
 * writer and then fails with NSSL_ERROR_STORE_BUSY.
 *
 * Every function returns NSSL_ERROR_LIB_NOT_READY before NSSLInit and
 * NSSL_ERROR_INVALID_NSSL_STORE for a handle that is not open (never issued, closed, from
 * before NSSLFinish, or a handle of another type).
 */
#ifndef NSSL_NSSL_STORE_H
#define NSSL_NSSL_STORE_H

#include <stdint.h>

#include <nssl/nssl.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An open store (NSSLStoreOpen); always > 0. */
typedef int32_t NSSLStoreHandle;

/* The store's error values are in nssl.h ("Extension error values", NSSL_ERROR_STORE_*).
 * Besides those, the store functions return NSSL_ERROR_INVALID_ARG (a bad argument),
 * NSSL_ERROR_INSUFFICIENT_SIZE (a buffer too small; the size needed is given back),
 * NSSL_ERROR_OUT_OF_MEMORY, NSSL_ERROR_CERT_STORE_INIT_FAILURE (the file cannot be opened or
 * created), NSSL_ERROR_CERT_STORE_ERROR (any other failure of the file: disk full, I/O),
 * NSSL_ERROR_CERT_STORE_TAMPERED (the seal does not verify with the device key). "The store
 * errors" below means these and NSSL_ERROR_STORE_CORRUPT, _BUSY and _VERSION. */

/** @name NSSLStoreOpen flags @{ */
#define NSSL_STORE_OPEN_READ_ONLY 0 /**< read only: every change is NSSL_ERROR_STORE_READ_ONLY */
#define NSSL_STORE_OPEN_WRITE 1     /**< read and write an existing store */
#define NSSL_STORE_OPEN_CREATE 2    /**< create the file if missing; implies WRITE */
/** @} */

/** @name What a certificate is for (the store's kinds) @{ */
#define NSSL_STORE_KIND_SERVER_CA 1    /**< a trust anchor for verifying servers */
#define NSSL_STORE_KIND_CLIENT 2       /**< a client certificate with its private key */
#define NSSL_STORE_KIND_INTERMEDIATE 3 /**< untrusted: completes chains peers send incomplete */
/** @} */

/** @name Entry properties (NSSLStoreImportCert, NSSLStoreImportClient) @{ */
#define NSSL_STORE_PROP_EXPORTABLE 0x2     /**< NSSLExportInternal* may export the certificate */
#define NSSL_STORE_PROP_KEY_EXPORTABLE 0x8 /**< ... and the private key too (client entries) */
#define NSSL_STORE_PROP_BUILTIN 0x10       /**< pinned by the store's manifest */
/** @} */

/** Limits of names and descriptions (bytes, NUL included). */
#define NSSL_STORE_NAME_MAX 128
#define NSSL_STORE_GROUP_NAME_MAX 64
#define NSSL_STORE_GROUP_DESCRIPTION_MAX 160
/** The largest certificate, key or CRL a call takes (bytes). */
#define NSSL_STORE_MAX_DER_SIZE 65536
/** The largest PEM bundle or DER chain NSSLStoreImportClient takes, and CRL (bytes). */
#define NSSL_STORE_MAX_INPUT_SIZE (1 << 20)
/** The largest update file NSSLStoreApplyUpdate takes (bytes). */
#define NSSL_STORE_MAX_UPDATE_SIZE (16 << 20)

/** An entry of the store (NSSLStoreGetCertInfo). Plain output record. */
typedef struct NSSLStoreCertInfo {
    int32_t id;          /**< the ID asked for (an alias's own ID) */
    int32_t kind;        /**< NSSL_STORE_KIND_* */
    int32_t present;     /**< 1; 0 for a reserved console ID with no certificate (absent) */
    int32_t aliasOf;     /**< 0, or the reserved ID whose entry this ID names too */
    uint32_t groups;     /**< group bit mask */
    uint32_t properties; /**< NSSL_STORE_PROP_* bits (and the console dump's 0x1, 0x4) */
    int32_t keyBits;     /**< public key size in bits */
    int32_t hasKey;      /**< a private key is stored (client entries) */
    int32_t chainLength; /**< chain certificates stored (client entries) */
    int64_t notBefore;   /**< Unix time */
    int64_t notAfter;    /**< Unix time */
    uint8_t sha256[32];  /**< of the certificate's DER */
    char name[NSSL_STORE_NAME_MAX];
    char subject[256];   /**< RFC 2253 text */
} NSSLStoreCertInfo;

/** A CRL of the store (NSSLStoreListCrls). Plain output record. */
typedef struct NSSLStoreCrlInfo {
    uint8_t sha256[32];  /**< of the CRL's DER: what NSSLStoreRemoveCrl takes */
    int64_t thisUpdate;  /**< Unix time */
    int64_t nextUpdate;  /**< Unix time, 0 if the CRL has none */
    char issuer[256];    /**< RFC 2253 text */
} NSSLStoreCrlInfo;

/** A group (NSSLStoreListGroups). Plain output record. */
typedef struct NSSLStoreGroupInfo {
    int32_t bit;         /**< 0..31: the group's mask is 1 << bit */
    char name[NSSL_STORE_GROUP_NAME_MAX];
    char description[NSSL_STORE_GROUP_DESCRIPTION_MAX];
} NSSLStoreGroupInfo;

/* ---- handles ---- */

/**
 * Open a store.
 * @param path the store file; NULL: the store the SDK itself uses (NSSLSetCertStorePath, else
 *        $NSSL_CERTSTORE, ignored in a privileged process, else the installed store), with
 *        the SDK's device key when NSSLSetCertStoreKey gave one (as NSSLStoreSetDeviceKey:
 *        an unsealed or tampered store is not opened). Provision a store with its path and
 *        NSSLStoreSeal.
 * @param flags NSSL_STORE_OPEN_READ_ONLY, _WRITE or _CREATE. A read-write handle migrates an
 *        older schema.
 * @param store receives the handle (> 0).
 * @return NSSL_ERROR_OK; NSSL_ERROR_INVALID_ARG (store NULL, unknown flags);
 *         NSSL_ERROR_NO_CERT_STORE (path NULL and no store configured);
 *         NSSL_ERROR_CERT_STORE_INIT_FAILURE (cannot open or create the file);
 *         NSSL_ERROR_STORE_CORRUPT (not a store); NSSL_ERROR_STORE_VERSION;
 *         NSSL_ERROR_STORE_BUSY; NSSL_ERROR_RESOURCE_LIMIT (64 stores are open);
 *         NSSL_ERROR_CERT_STORE_TAMPERED (path NULL, with the SDK's device key);
 *         NSSL_ERROR_OUT_OF_MEMORY.
 */
NSSL_API int32_t NSSLStoreOpen(const char *path, int32_t flags, NSSLStoreHandle *store);

/**
 * Close a store handle. An open transaction (NSSLStoreBegin) is rolled back. NSSLFinish closes
 * every store handle the same way.
 * @return NSSL_ERROR_OK; NSSL_ERROR_INVALID_NSSL_STORE.
 */
NSSL_API int32_t NSSLStoreClose(NSSLStoreHandle store);

/**
 * Give the handle the store's device key (the seal, docs/certstore.md "Tamper detection"),
 * and optionally the seal record file kept beside the key. The seal is verified at once, and
 * again before any later call reads what another process committed meanwhile; with the key
 * every change verifies the seal first and renews it when it commits. Without a key a sealed
 * store refuses changes (NSSL_ERROR_STORE_READ_ONLY). This never seals: a store without a
 * seal is NSSL_ERROR_CERT_STORE_TAMPERED here, because a device that has a key must have a
 * sealed store, and deleting the seal is the cheapest attack (sealing then would vouch for
 * whatever was planted). Sealing a store the first time is NSSLStoreSeal. Once the handle has
 * seen tampering, every later call on it fails with NSSL_ERROR_CERT_STORE_TAMPERED.
 * @param key 32 to 64 bytes, held outside the store; wiped from memory at close.
 * @param sealRecordPath NULL, or the seal record's file.
 * @return NSSL_ERROR_OK; NSSL_ERROR_INVALID_ARG (key NULL, size out of range);
 *         NSSL_ERROR_CERT_STORE_TAMPERED (no seal, a seal that does not verify with this key,
 *         or not the one the record holds, or a missing record); NSSL_ERROR_INVALID_NSSL_STORE.
 */
NSSL_API int32_t NSSLStoreSetDeviceKey(NSSLStoreHandle store, const void *key, uint32_t keySize,
                                       const char *sealRecordPath);

/**
 * Provisioning: give a writable handle the device key and seal the store with it (the first
 * seal of a store that has none, and a new seal record when sealRecordPath is given), then
 * use the key as NSSLStoreSetDeviceKey does. Sealing vouches for everything the store holds
 * now: call it where the store is made (a factory, a first boot that built the store itself),
 * never because NSSLStoreSetDeviceKey found a store unsealed. A sealed store is only
 * re-sealed if its seal verifies with this key.
 * @return NSSL_ERROR_OK; NSSL_ERROR_INVALID_ARG; NSSL_ERROR_STORE_READ_ONLY (a read-only
 *         handle); NSSL_ERROR_CERT_STORE_TAMPERED (a seal that does not verify);
 *         NSSL_ERROR_INVALID_NSSL_STORE.
 */
NSSL_API int32_t NSSLStoreSeal(NSSLStoreHandle store, const void *key, uint32_t keySize,
                               const char *sealRecordPath);

/**
 * The text of the handle's last failure ("" if none).
 * @param buf receives the NUL-terminated text, cut to size - 1 bytes.
 * @param size the size of buf, at least 1.
 * @return NSSL_ERROR_OK; NSSL_ERROR_INVALID_ARG; NSSL_ERROR_INVALID_NSSL_STORE.
 */
NSSL_API int32_t NSSLStoreGetErrorMessage(NSSLStoreHandle store, char *buf, int32_t size);

/**
 * Make the next changes one transaction until NSSLStoreCommit or NSSLStoreRollback. Inside it
 * a change that fails undoes only itself and returns its error: the caller decides whether to
 * commit the others. Transactions do not nest. Other writers wait until the end.
 * @return NSSL_ERROR_OK; NSSL_ERROR_INVALID_ARG (one is open already);
 *         NSSL_ERROR_STORE_READ_ONLY; NSSL_ERROR_STORE_BUSY; NSSL_ERROR_INVALID_NSSL_STORE.
 */
NSSL_API int32_t NSSLStoreBegin(NSSLStoreHandle store);
/** Commit the open transaction. @return NSSL_ERROR_OK; NSSL_ERROR_INVALID_ARG (none is
 *  open); NSSL_ERROR_CERT_STORE_ERROR (nothing was committed); NSSL_ERROR_INVALID_NSSL_STORE. */
NSSL_API int32_t NSSLStoreCommit(NSSLStoreHandle store);
/** Undo every change of the open transaction. @return NSSL_ERROR_OK; NSSL_ERROR_INVALID_ARG
 *  (none is open); NSSL_ERROR_INVALID_NSSL_STORE. */
NSSL_API int32_t NSSLStoreRollback(NSSLStoreHandle store);

/**
 * Check the whole store: every certificate's, key's, chain's and CRL's SHA-256, the schema,
 * SQLite's integrity check and, with a device key, the seal.
 * @return NSSL_ERROR_OK; NSSL_ERROR_STORE_CORRUPT (NSSLStoreGetErrorMessage names the first
 *         problem); NSSL_ERROR_CERT_STORE_TAMPERED; NSSL_ERROR_INVALID_NSSL_STORE.
 */
NSSL_API int32_t NSSLStoreCheck(NSSLStoreHandle store);

/* ---- certificates ---- */

/**
 * Import one certificate as a trust anchor or an intermediate.
 * @param kind NSSL_STORE_KIND_SERVER_CA or NSSL_STORE_KIND_INTERMEDIATE.
 * @param cert DER (NSSL_CERT_TYPE_DER) or PEM (NSSL_CERT_TYPE_PEM, exactly one certificate).
 * @param certId the ID to store it under, or 0 for the next free ID (never a retired or
 *        reserved one). Re-importing the same certificate is no change and gives its ID.
 * @param name NULL (the reservation's name, or the subject's CN or O) or at most 127 bytes.
 * @param groups group bit mask (every bit a group of the store); under a reserved console ID,
 *        0 gives the reservation's groups.
 * @param properties NSSL_STORE_PROP_* bits.
 * @param outCertId receives the ID (may be NULL).
 * @return NSSL_ERROR_OK; NSSL_ERROR_INVALID_ARG; NSSL_ERROR_INVALID_CERT_TYPE;
 *         NSSL_ERROR_INVALID_CERT_SIZE (empty or over NSSL_STORE_MAX_DER_SIZE);
 *         NSSL_ERROR_STORE_INVALID_DATA; NSSL_ERROR_STORE_EXISTS (the ID holds another
 *         certificate); NSSL_ERROR_STORE_ID_RETIRED; NSSL_ERROR_STORE_ID_MISMATCH (a reserved
 *         console ID of another certificate or kind); NSSL_ERROR_STORE_NOT_FOUND (a group bit
 *         names no group); NSSL_ERROR_STORE_READ_ONLY; the store errors above.
 */
NSSL_API int32_t NSSLStoreImportCert(NSSLStoreHandle store, int32_t kind, const void *cert,
                                     uint32_t certSize, int32_t certType, int32_t certId,
                                     const char *name, uint32_t groups, uint32_t properties,
                                     int32_t *outCertId);

/**
 * Import a client certificate with its private key and chain (NSSL_STORE_KIND_CLIENT).
 * @param key DER (PKCS#8 or traditional; NSSL_KEY_TYPE_DER) or PEM (unencrypted); it must
 *        match the certificate.
 * @param chain NULL (chainSize 0), or the chain in issuer order: concatenated DER
 *        certificates (chainType NSSL_CERT_TYPE_DER) or a PEM bundle (NSSL_CERT_TYPE_PEM); at
 *        most 8 certificates.
 * @return as NSSLStoreImportCert, and NSSL_ERROR_INVALID_KEY_TYPE, NSSL_ERROR_INVALID_KEY_SIZE.
 */
NSSL_API int32_t NSSLStoreImportClient(NSSLStoreHandle store, const void *cert,
                                       uint32_t certSize, int32_t certType, const void *key,
                                       uint32_t keySize, int32_t keyType, const void *chain,
                                       uint32_t chainSize, int32_t chainType, int32_t certId,
                                       const char *name, uint32_t properties,
                                       int32_t *outCertId);

/**
 * Remove an entry with its key and chain. Its ID is retired for ever (importing under it is
 * NSSL_ERROR_STORE_ID_RETIRED); a reserved console ID stays reserved and becomes absent.
 * @return NSSL_ERROR_OK; NSSL_ERROR_STORE_NOT_FOUND (no such entry: an alias, or a reserved
 *         ID that is absent already); NSSL_ERROR_STORE_READ_ONLY; the store errors.
 */
NSSL_API int32_t NSSLStoreRemove(NSSLStoreHandle store, int32_t certId);

/**
 * The IDs of the entries of a kind in some groups, ascending (certificates present only).
 * @param kind 0 for every kind, or NSSL_STORE_KIND_*.
 * @param groups 0 for every entry, else the entries sharing a bit with the mask.
 * @param ids NULL to ask for the count, else *count IDs of room.
 * @param count in: the room of ids; out: the number of matching entries.
 * @return NSSL_ERROR_OK; NSSL_ERROR_INSUFFICIENT_SIZE (*count says how many);
 *         NSSL_ERROR_INVALID_ARG; the store errors.
 */
NSSL_API int32_t NSSLStoreListCerts(NSSLStoreHandle store, int32_t kind, uint32_t groups,
                                    int32_t *ids, uint32_t *count);

/**
 * An entry's metadata. A reserved console ID with no certificate fills id, kind, name, groups
 * and aliasOf with present 0 and returns NSSL_ERROR_STORE_ID_ABSENT.
 * @return NSSL_ERROR_OK; NSSL_ERROR_STORE_ID_ABSENT; NSSL_ERROR_STORE_NOT_FOUND;
 *         NSSL_ERROR_INVALID_ARG; the store errors.
 */
NSSL_API int32_t NSSLStoreGetCertInfo(NSSLStoreHandle store, int32_t certId,
                                      NSSLStoreCertInfo *info);

/**
 * An entry's certificate (DER), checked against its stored SHA-256. Certificates are public:
 * unlike NSSLExportInternal*, the NSSL_STORE_PROP_EXPORTABLE property is not required (the
 * application opened the file itself). Private keys are never exported.
 * @param buf NULL to ask for the size, else *size bytes of room.
 * @param size in: the room; out: the certificate's size.
 * @return NSSL_ERROR_OK; NSSL_ERROR_INSUFFICIENT_SIZE; NSSL_ERROR_STORE_NOT_FOUND;
 *         NSSL_ERROR_STORE_ID_ABSENT; NSSL_ERROR_STORE_CORRUPT; NSSL_ERROR_INVALID_ARG.
 */
NSSL_API int32_t NSSLStoreExportCert(NSSLStoreHandle store, int32_t certId, void *buf,
                                     uint32_t *size);

/* ---- CRLs ---- */

/**
 * Add a CRL (DER or PEM, one CRL); adding the same CRL again is no change. Its signature is
 * checked when a connection uses it, against its issuer.
 * @return NSSL_ERROR_OK; NSSL_ERROR_INVALID_CERT_TYPE; NSSL_ERROR_INVALID_SIZE (empty or over
 *         NSSL_STORE_MAX_INPUT_SIZE); NSSL_ERROR_STORE_INVALID_DATA; NSSL_ERROR_STORE_READ_ONLY;
 *         the store errors.
 */
NSSL_API int32_t NSSLStoreAddCrl(NSSLStoreHandle store, const void *crl, uint32_t crlSize,
                                 int32_t crlType);
/**
 * Remove the CRL with this SHA-256 (of its DER, NSSLStoreListCrls).
 * @return NSSL_ERROR_OK; NSSL_ERROR_STORE_NOT_FOUND; NSSL_ERROR_STORE_READ_ONLY; the store
 *         errors.
 */
NSSL_API int32_t NSSLStoreRemoveCrl(NSSLStoreHandle store, const uint8_t sha256[32]);
/**
 * The store's CRLs, newest (thisUpdate) first; the size protocol of NSSLStoreListCerts.
 */
NSSL_API int32_t NSSLStoreListCrls(NSSLStoreHandle store, NSSLStoreCrlInfo *crls,
                                   uint32_t *count);

/* ---- groups ---- */

/**
 * Create a group.
 * @param bit 0..31.
 * @param name 1 to 63 bytes of letters, digits, '_' and '-' (it becomes a C identifier in the
 *        generated header).
 * @param description NULL or at most 159 bytes.
 * @return NSSL_ERROR_OK; NSSL_ERROR_INVALID_ARG; NSSL_ERROR_STORE_EXISTS (the bit or the name
 *         is taken); NSSL_ERROR_STORE_READ_ONLY; the store errors.
 */
NSSL_API int32_t NSSLStoreCreateGroup(NSSLStoreHandle store, int32_t bit, const char *name,
                                      const char *description);
/** Put an entry in a group. @return NSSL_ERROR_OK; NSSL_ERROR_STORE_NOT_FOUND (no such entry
 *  or group); NSSL_ERROR_INVALID_ARG; NSSL_ERROR_STORE_READ_ONLY; the store errors. */
NSSL_API int32_t NSSLStoreAddToGroup(NSSLStoreHandle store, int32_t certId, int32_t bit);
/** Take an entry out of a group. Returns as NSSLStoreAddToGroup. */
NSSL_API int32_t NSSLStoreRemoveFromGroup(NSSLStoreHandle store, int32_t certId, int32_t bit);
/** The store's groups by bit; the size protocol of NSSLStoreListCerts. */
NSSL_API int32_t NSSLStoreListGroups(NSSLStoreHandle store, NSSLStoreGroupInfo *groups,
                                     uint32_t *count);

/* ---- signed updates (docs/certstore.md "Signed updates") ---- */

/**
 * Pin the vendor's update key (an Ed25519 SubjectPublicKeyInfo, DER) in a store that has none:
 * the provisioning step. The same key again is no change; after that the key changes only
 * through an update signed by it.
 * @return NSSL_ERROR_OK; NSSL_ERROR_STORE_EXISTS (another key is pinned);
 *         NSSL_ERROR_STORE_INVALID_DATA (not an Ed25519 public key); NSSL_ERROR_INVALID_ARG;
 *         NSSL_ERROR_STORE_READ_ONLY; the store errors.
 */
NSSL_API int32_t NSSLStorePinUpdateKey(NSSLStoreHandle store, const void *spki, uint32_t size);
/**
 * Apply a signed update (nssl-certstore make-update) all or nothing, in its own transaction
 * (not inside NSSLStoreBegin).
 * @param newVersion receives the store's version afterwards (may be NULL).
 * @return NSSL_ERROR_OK; NSSL_ERROR_STORE_INVALID_DATA (malformed or truncated);
 *         NSSL_ERROR_STORE_NOT_FOUND (no update key pinned);
 *         NSSL_ERROR_STORE_UPDATE_SIGNATURE; NSSL_ERROR_STORE_UPDATE_ROLLBACK;
 *         NSSL_ERROR_INVALID_SIZE (empty or over NSSL_STORE_MAX_UPDATE_SIZE); an addition's ID
 *         errors (NSSL_ERROR_STORE_EXISTS, _ID_RETIRED, _ID_MISMATCH);
 *         NSSL_ERROR_INVALID_STATE (inside NSSLStoreBegin); NSSL_ERROR_STORE_READ_ONLY; the
 *         store errors.
 */
NSSL_API int32_t NSSLStoreApplyUpdate(NSSLStoreHandle store, const void *update, uint32_t size,
                                      uint64_t *newVersion);
/** The store's update version (0 before the first update). @return NSSL_ERROR_OK;
 *  NSSL_ERROR_INVALID_ARG; the store errors. */
NSSL_API int32_t NSSLStoreGetUpdateVersion(NSSLStoreHandle store, uint64_t *version);

#ifdef __cplusplus
}
#endif

#endif

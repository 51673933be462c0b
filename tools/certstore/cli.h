/* nssl-certstore: shared pieces of the tool (argument parsing, files, output, exit codes). */
#ifndef NSSL_TOOLS_CERTSTORE_CLI_H
#define NSSL_TOOLS_CERTSTORE_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "certstore/certstore.h"

/* Exit codes (the tool's contract with scripts). */
enum {
    CST_EXIT_OK = 0,
    CST_EXIT_FAILED = 1,    /* verify: invalid chain; check: problems; export --key refused;
                             * import-client into a store others may open refused */
    CST_EXIT_USAGE = 2,
    CST_EXIT_INPUT = 3,     /* bad input file */
    CST_EXIT_STORE = 4,     /* store error */
    CST_EXIT_NOT_FOUND = 5, /* an ID the user named does not exist */
    CST_EXIT_ABSENT = 6,    /* an ID the user named is a reserved console ID with no
                             * certificate in this store (show, export, verify --id) */
    CST_EXIT_REFUSED = 7,   /* apply-update: not signed by the pinned key, or not newer */
    CST_EXIT_TAMPERED = 8,  /* the store's seal does not verify with the device key */
};

/* ---- messages (main) ---- */

/* "nssl-certstore: ..." on stderr. */
void nssl_cst_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage message for a command; returns CST_EXIT_USAGE. */
int nssl_cst_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report a store failure (with the handle's message when there is one); returns the exit code
 * for err. */
int nssl_cst_store_fail(struct nssl_certstore *cs, int err, const char *what);
/* Exit code for a store error. */
int nssl_cst_exit_for(int err);

/* ---- arguments (args.c) ---- */

struct cst_spec {
    const char *name;              /* "--id" */
    int takes_value;
    int repeatable;
};

#define CST_MAX_ITEMS 128
#define CST_MAX_POS 8

struct cst_args {
    const char *cmd;               /* for messages */
    const char *pos[CST_MAX_POS];
    int npos;
    struct {
        int opt;
        const char *val;
    } items[CST_MAX_ITEMS];
    int nitems;
};

/* Parse argv against spec (terminated by a NULL name). Options may come before or after the
 * positional arguments; "--name=value" and "--name value" both work; "--" ends options.
 * Returns CST_EXIT_OK or CST_EXIT_USAGE (message printed). */
int nssl_cst_parse(const char *cmd, int argc, char **argv, const struct cst_spec *spec,
                   int min_pos, int max_pos, struct cst_args *out);
/* The (last) value of option opt, or NULL. */
const char *nssl_cst_get(const struct cst_args *a, int opt);
int nssl_cst_has(const struct cst_args *a, int opt);

/* Strict decimal ID 1..2^31-1. */
int nssl_cst_parse_id(const char *s, int32_t *out);
/* Decimal (or 0x hex) unsigned number up to max. */
int nssl_cst_parse_num(const char *s, uint64_t max, uint64_t *out);
/* A group given as a bit (0..31) or a name: syntax only. *bit = -1 for a name. */
int nssl_cst_group_syntax(const char *s, int *bit);
/* Resolve a group (bit or name) against the store: CST_EXIT_USAGE if there is no such group. */
int nssl_cst_group_resolve(struct nssl_certstore *cs, const char *cmd, const char *s, int *bit);

/* ---- files (files.c) ---- */

struct cst_blobs {
    uint8_t **v;
    size_t *lens;
    char **origin;                 /* "FILE" or "FILE #n", for messages */
    size_t n, cap;
};

void nssl_cst_blobs_free(struct cst_blobs *b);
/* A whole regular file (at most the size of a certificate file), NUL-terminated; free it.
 * Returns CST_EXIT_OK or CST_EXIT_INPUT (message printed). */
int nssl_cst_read_file(const char *path, uint8_t **data, size_t *len);
/* Every certificate of a PEM file (each CERTIFICATE block) or the one certificate of a DER
 * file, appended to out. Returns CST_EXIT_OK or CST_EXIT_INPUT (message printed). */
int nssl_cst_read_certs(const char *path, struct cst_blobs *out);
/* A file, or a directory's *.pem *.crt *.der files in name order. */
int nssl_cst_read_certs_path(const char *path, struct cst_blobs *out);
/* Every CRL of a PEM or DER file. */
int nssl_cst_read_crls(const char *path, struct cst_blobs *out);
/* A private key (PEM of any kind, or DER), as PKCS#8 DER (free with nssl_cst_free_secret). */
int nssl_cst_read_key(const char *path, uint8_t **der, size_t *len);
void nssl_cst_free_secret(uint8_t *p, size_t len);
/* Write DER as PEM (label "CERTIFICATE", "PRIVATE KEY") or raw to path (NULL: stdout).
 * secret: create the file 0600. Returns CST_EXIT_OK or CST_EXIT_INPUT. */
int nssl_cst_write_out(const char *path, const uint8_t *der, size_t len, const char *pem_label,
                       int secret);
/* Write text to path atomically (a temporary file renamed over it), or to stdout. */
int nssl_cst_write_text(const char *path, const char *text, size_t len);

/* ---- output helpers (output.c) ---- */

/* JSON string literal of s (escaped, invalid UTF-8 replaced). */
void nssl_cst_json_str(FILE *f, const char *s);
/* YYYY-MM-DD and YYYY-MM-DDTHH:MM:SSZ of a Unix time. */
void nssl_cst_date(int64_t t, char out[32]);
void nssl_cst_datetime(int64_t t, char out[32]);
void nssl_cst_hex(const uint8_t *p, size_t n, char *out);
const char *nssl_cst_kind_name(int kind);
/* Kind from "server-ca", "client", "intermediate"; 0 if unknown. */
int nssl_cst_kind_parse(const char *s);

/* The groups of the store (bit -> name), loaded once per command. */
struct cst_groups {
    int defined[32];
    char name[32][64];
    char description[32][160];
};
int nssl_cst_groups_load(struct nssl_certstore *cs, struct cst_groups *g);
/* "vendor,commercial" or "-" for a mask. */
void nssl_cst_group_names(const struct cst_groups *g, uint32_t mask, char *out, size_t cap);

/* ---- commands ---- */

int nssl_cst_cmd_init(const char *store, int argc, char **argv);
int nssl_cst_cmd_import(const char *store, int argc, char **argv);
int nssl_cst_cmd_import_client(const char *store, int argc, char **argv);
/* import-console DIR (cmd_console.c). */
int nssl_cst_cmd_import_console(const char *store, int argc, char **argv);
/* show: an entry's access rule, a line of text or a JSON member ", \"access\": ..."
 * (show_access.c). */
int nssl_cst_show_access(struct nssl_certstore *cs, int32_t id, int as_json);
int nssl_cst_cmd_list(const char *store, int argc, char **argv);
int nssl_cst_cmd_show(const char *store, int argc, char **argv);
int nssl_cst_cmd_export(const char *store, int argc, char **argv);
int nssl_cst_cmd_remove(const char *store, int argc, char **argv);
int nssl_cst_cmd_group(const char *store, int argc, char **argv);
int nssl_cst_cmd_add_crl(const char *store, int argc, char **argv);
int nssl_cst_cmd_gen_header(const char *store, int argc, char **argv);
int nssl_cst_cmd_check(const char *store, int argc, char **argv);
int nssl_cst_cmd_verify(const char *store, int argc, char **argv);
/* reserve (cmd_reserve.c). */
int nssl_cst_cmd_reserve(const char *store, int argc, char **argv);
/* make-update, apply-update, pin-update-key (cmd_update.c). */
int nssl_cst_cmd_make_update(const char *store, int argc, char **argv);
int nssl_cst_cmd_apply_update(const char *store, int argc, char **argv);
int nssl_cst_cmd_pin_update_key(const char *store, int argc, char **argv);

/* ---- the seal (seal_key.c) ---- */

/* The device key file of the seal (--mac-key, or $NSSL_CERTSTORE_MAC_KEY), NULL for none, and
 * the seal record (--seal-record, $NSSL_CERTSTORE_SEAL_RECORD; used only with a key). */
extern const char *nssl_cst_mac_key_path;
extern const char *nssl_cst_seal_record_path;
/* Give an opened store the device key, if there is one: the file must be regular, 32 to 64
 * bytes, and readable by its owner only (CST_EXIT_FAILED otherwise, like a key store). */
int nssl_cst_apply_mac_key(struct nssl_certstore *cs);
/* seal: seal the store with the device key. */
int nssl_cst_cmd_seal(const char *store, int argc, char **argv);
/* check's seal step: with a device key, CST_EXIT_TAMPERED unless the seal verifies; without,
 * a note when the store is sealed. Prints the update state too. */
int nssl_cst_check_seal(struct nssl_certstore *cs);

/* ---- reserved console IDs in the other commands (cmd_reserve.c) ---- */

struct cst_reserved {
    struct nssl_cs_reserved *v;
    size_t n, cap;
};
/* The reserved IDs of a kind (0: all) sharing a bit with mask (0: all), in ID order; free v. */
int nssl_cst_reserved_load(struct nssl_certstore *cs, int kind, uint32_t mask,
                           struct cst_reserved *out);
/* show on a reserved ID with no certificate: what it is and how to import it; returns
 * CST_EXIT_ABSENT. */
int nssl_cst_show_absent(struct nssl_certstore *cs, int32_t id, const struct cst_groups *g,
                         int json);

/* Open the store (messages and exit code on failure). */
int nssl_cst_open(const char *store, int flags, struct nssl_certstore **cs);

/* ---- stores with keys (private.c) ---- */

/* Create the store file (if missing) with mode 0600 and make it and its SQLite side files
 * 0600: init --private. Returns CST_EXIT_OK or CST_EXIT_STORE (message printed). */
int nssl_cst_make_private(const char *store);
/* CST_EXIT_OK if no one but the owner may open the store or its side files; else
 * CST_EXIT_FAILED with a message saying why a key is not added to it. */
int nssl_cst_require_private(const char *cmd, const char *store);

#endif

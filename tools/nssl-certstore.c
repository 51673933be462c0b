/* nssl-certstore: create, fill, inspect and check NSSL certificate stores, generate the C
 * header of their IDs, and verify chains against them exactly as the SDK does.
 *
 *   nssl-certstore [--store PATH] [--mac-key FILE] COMMAND [ARGS]
 *   (--store defaults to $NSSL_CERTSTORE, --mac-key to $NSSL_CERTSTORE_MAC_KEY)
 *
 * Exit codes: 0 success; 1 invalid chain / check found problems / key export or import refused;
 * 2 usage; 3 bad input file (or not the certificate a reserved console ID names); 4 store error;
 * 5 no such ID; 6 a reserved console ID with no certificate (absent); 7 an update refused (not
 * signed by the pinned key, or not newer); 8 the store is tampered (its seal does not verify).
 * Messages go to stderr. */
#define _GNU_SOURCE /* secure_getenv */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certstore/cli.h"

static const char usage_text[] =
    "usage: nssl-certstore [--store PATH] [--mac-key FILE [--seal-record FILE]] COMMAND [ARGS]\n"
    "       (--store defaults to $NSSL_CERTSTORE, --mac-key to $NSSL_CERTSTORE_MAC_KEY: the\n"
    "       device key of a sealed store, 32 to 64 bytes, mode 0600; --seal-record to\n"
    "       $NSSL_CERTSTORE_SEAL_RECORD: the store's latest seal, kept beside the key, which\n"
    "       refuses an older copy of the store)\n"
    "\n"
    "  init [--private]          create the store with the groups vendor (bit 0), commercial (1)\n"
    "                            and commercial-4096 (2); running it again changes nothing;\n"
    "                            --private: mode 0600, for a store that will hold keys\n"
    "  import FILE|DIR [--kind server-ca|intermediate] [--id N] [--id-floor N] [--name NAME]\n"
    "         [--group NAME_OR_BIT]... [--exportable] [--builtin] [--ignore-fingerprint]\n"
    "                            PEM bundle, DER file, or every *.pem *.crt *.der of a directory;\n"
    "                            under a reserved console ID: its kind, and a SHA-1 starting\n"
    "                            with the console's (unless --ignore-fingerprint); no --group or\n"
    "                            --name: the reservation's\n"
    "  import-client --cert FILE --key FILE [--chain FILE] [--id N] [--name NAME]\n"
    "         [--exportable] [--key-exportable] [--builtin] [--ignore-fingerprint]\n"
    "                            only into a store no other user may open (mode 0600)\n"
    "  reserve --console [--except ID]... | reserve --file FILE |\n"
    "  reserve --id N --kind server-ca|client --name NAME [--group NAME_OR_BIT]...\n"
    "         [--sha1 HEXPREFIX] [--alias-of ID]\n"
    "                            reserve console IDs (absent until a certificate is imported\n"
    "                            under them); --console: all of the console's; --file: lines\n"
    "                            id kind sha1:HEX|- groups|- name [alias=ID] (tab-separated)\n"
    "  import-console DIR [--key-file FILE | --key HEX | --otp FILE | --server-only]\n"
    "         [--ignore-fingerprint]\n"
    "                            a dump of the console's certificate title\n"
    "                            (certstore_metadata.txt, scerts/, ccerts/): every entry under\n"
    "                            its console ID, all or nothing; the AES key of ccerts/*.aes:\n"
    "                            32 hex digits (--key, or in --key-file, which may also hold\n"
    "                            the 16 bytes) or otp.bin (--otp); never stored;\n"
    "                            --server-only: server CAs only, no key needed;\n"
    "                            --ignore-fingerprint: CAs need not have the console's SHA-1\n"
    "  list [--json] [--absent] [--kind server-ca|client|intermediate] [--group NAME_OR_BIT]\n"
    "                            reserved IDs without a certificate are listed as absent (text);\n"
    "                            --absent: only those (--json lists them only with --absent)\n"
    "  show ID [--json]          exit 6 for an absent reserved console ID\n"
    "  export ID [--der|--pem] [--out FILE] [--key]\n"
    "  remove ID                 the ID is retired for ever (a reserved console ID becomes\n"
    "                            absent instead)\n"
    "  group create BIT NAME [--description TEXT]\n"
    "  group assign ID GROUP | group unassign ID GROUP | group list [--json]\n"
    "  add-crl FILE              PEM or DER\n"
    "  gen-header [--out FILE] [--guard NAME]\n"
    "  check                     integrity of every row (exit 1 if problems); with --mac-key\n"
    "                            the seal too (exit 8 if tampered)\n"
    "  seal                      seal the store with --mac-key's device key\n"
    "  pin-update-key KEYFILE    pin the Ed25519 key (public or private PEM/DER) that signs\n"
    "                            this store's updates (once; it changes only by an update)\n"
    "  make-update --key KEYFILE --version N --out FILE [--add FILE --id N [--name NAME]\n"
    "         [--kind server-ca|intermediate] [--group BIT]... [--exportable] [--builtin]]...\n"
    "         [--remove ID]... [--crl FILE]... [--next-key KEYFILE]\n"
    "                            write an update signed with the vendor's Ed25519 key; --id,\n"
    "                            --name... apply to the --add before them (a file of several\n"
    "                            certificates takes IDs N, N+1, ...)\n"
    "  apply-update FILE         apply a signed update: all or nothing, only if signed by the\n"
    "                            pinned key and newer than the store (exit 7 otherwise)\n"
    "  verify --chain FILE [--roots FILE | --group MASK | --id ID...] [--host NAME | --ip ADDR]\n"
    "         [--purpose server|client] [--crl FILE]... [--crl-check leaf|chain]\n"
    "         [--max-depth N] [--time UNIXTIME] [--json]\n"
    "\n"
    "exit: 0 ok, 1 invalid chain / problems / refused, 2 usage, 3 bad input file (or not the\n"
    "      certificate a reserved ID names), 4 store error, 5 no such ID, 6 absent reserved ID,\n"
    "      7 update refused, 8 tampered store\n";

void nssl_cst_msg(const char *fmt, ...)
{
    va_list ap;
    fputs("nssl-certstore: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int nssl_cst_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("nssl-certstore: ", stderr);
    if (cmd != NULL) {
        fprintf(stderr, "%s: ", cmd);
    }
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see nssl-certstore --help)\n", stderr);
    return CST_EXIT_USAGE;
}

int nssl_cst_exit_for(int err)
{
    switch (err) {
    case NSSL_CS_OK:
        return CST_EXIT_OK;
    case NSSL_CS_E_NOT_FOUND:
        return CST_EXIT_NOT_FOUND;
    case NSSL_CS_E_ABSENT:
        return CST_EXIT_ABSENT;
    case NSSL_CS_E_INVALID:
    case NSSL_CS_E_MISMATCH: /* not the certificate the console ID names: the input's fault */
        return CST_EXIT_INPUT;
    case NSSL_CS_E_ARG:
        return CST_EXIT_USAGE;
    case NSSL_CS_E_SIGNATURE:
    case NSSL_CS_E_ROLLBACK:
        return CST_EXIT_REFUSED;
    case NSSL_CS_E_TAMPERED:
        return CST_EXIT_TAMPERED;
    default:
        return CST_EXIT_STORE;
    }
}

int nssl_cst_store_fail(struct nssl_certstore *cs, int err, const char *what)
{
    const char *m = cs != NULL ? nssl_cs_errmsg(cs) : NULL;
    if (m == NULL || strcmp(m, "no error") == 0) {
        m = nssl_cs_strerror(err);
    }
    nssl_cst_msg("%s: %s", what, m);
    return nssl_cst_exit_for(err);
}

int nssl_cst_open(const char *store, int flags, struct nssl_certstore **cs)
{
    const char *msg = NULL;
    int rc = nssl_cs_open(store, flags, cs, &msg);
    if (rc != NSSL_CS_OK) {
        nssl_cst_msg("cannot use the store %s: %s", store,
                     msg != NULL ? msg : nssl_cs_strerror(rc));
        /* Whatever went wrong, it is the store's fault here, not the user's naming of an ID. */
        return CST_EXIT_STORE;
    }
    rc = nssl_cst_apply_mac_key(*cs);
    if (rc != CST_EXIT_OK) {
        nssl_cs_close(*cs);
        *cs = NULL;
    }
    return rc;
}

struct command {
    const char *name;
    int (*run)(const char *store, int argc, char **argv);
};

static const struct command commands[] = {
    {"init", nssl_cst_cmd_init},
    {"import", nssl_cst_cmd_import},
    {"import-client", nssl_cst_cmd_import_client},
    {"import-console", nssl_cst_cmd_import_console},
    {"list", nssl_cst_cmd_list},
    {"show", nssl_cst_cmd_show},
    {"export", nssl_cst_cmd_export},
    {"remove", nssl_cst_cmd_remove},
    {"group", nssl_cst_cmd_group},
    {"add-crl", nssl_cst_cmd_add_crl},
    {"gen-header", nssl_cst_cmd_gen_header},
    {"check", nssl_cst_cmd_check},
    {"verify", nssl_cst_cmd_verify},
    {"reserve", nssl_cst_cmd_reserve},
    {"seal", nssl_cst_cmd_seal},
    {"pin-update-key", nssl_cst_cmd_pin_update_key},
    {"make-update", nssl_cst_cmd_make_update},
    {"apply-update", nssl_cst_cmd_apply_update},
};

int main(int argc, char **argv)
{
    const char *store = NULL;
    int i = 1;

    /* Global options come before the command. */
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_text, stdout);
            return CST_EXIT_OK;
        } else if (strcmp(argv[i], "--store") == 0) {
            if (i + 1 >= argc || argv[i + 1][0] == '\0') {
                return nssl_cst_usage(NULL, "--store needs a path");
            }
            store = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "--mac-key") == 0 || strcmp(argv[i], "--seal-record") == 0) {
            if (i + 1 >= argc || argv[i + 1][0] == '\0') {
                return nssl_cst_usage(NULL, "%s needs a file", argv[i]);
            }
            *(argv[i][2] == 'm' ? &nssl_cst_mac_key_path : &nssl_cst_seal_record_path) =
                argv[i + 1];
            i += 2;
        } else if (strncmp(argv[i], "--store=", 8) == 0) {
            store = argv[i] + 8;
            if (store[0] == '\0') {
                return nssl_cst_usage(NULL, "--store needs a path");
            }
            i++;
        } else {
            return nssl_cst_usage(NULL, "unknown option %s", argv[i]);
        }
    }
    if (i >= argc) {
        return nssl_cst_usage(NULL, "no command");
    }
    if (store == NULL) {
        /* As the SDK reads it: ignored when the tool runs with privileges it was given. */
        store = secure_getenv("NSSL_CERTSTORE");
        if (store != NULL && store[0] == '\0') {
            store = NULL;
        }
    }
    if (nssl_cst_mac_key_path == NULL) {
        nssl_cst_mac_key_path = secure_getenv("NSSL_CERTSTORE_MAC_KEY");
        if (nssl_cst_mac_key_path != NULL && nssl_cst_mac_key_path[0] == '\0') {
            nssl_cst_mac_key_path = NULL;
        }
    }
    if (nssl_cst_seal_record_path == NULL) {
        nssl_cst_seal_record_path = secure_getenv("NSSL_CERTSTORE_SEAL_RECORD");
        if (nssl_cst_seal_record_path != NULL && nssl_cst_seal_record_path[0] == '\0') {
            nssl_cst_seal_record_path = NULL;
        }
    }
    for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
        if (strcmp(argv[i], commands[c].name) == 0) {
            /* Every command but verify --roots needs a store; the commands check. */
            return commands[c].run(store, argc - i - 1, argv + i + 1);
        }
    }
    return nssl_cst_usage(NULL, "unknown command '%s'", argv[i]);
}

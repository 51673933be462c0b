/* The console's certificate-store metadata, certstore_metadata.txt (nssl-api.md §4): one entry
 * per line as KEY=VALUE pairs separated by ';', '#' comment lines. This parser checks the text
 * only (syntax, ranges, the rules between keys); the files the entries name are import-console's
 * to read. It is separate from the command so that a unit test and a fuzz target reach it. */
#ifndef NSSL_TOOLS_CERTSTORE_CONSOLE_META_H
#define NSSL_TOOLS_CERTSTORE_CONSOLE_META_H

#include <stddef.h>
#include <stdint.h>

#include "certstore/certstore.h"

/* decaf loads at most 100 entries and notes that IOSU may allow 1000 (nssl-api.md §4). */
#define CM_MAX_ENTRIES 1000
/* Longest line (without its line end): two paths and two full 32-item lists fit. */
#define CM_MAX_LINE 2048
/* Longest path in PATHS. */
#define CM_MAX_PATH 256
/* Largest RAW_E0_SIZE / RAW_E1_SIZE: far above any certificate or RSA key. */
#define CM_MAX_RAW (1024 * 1024)
/* Largest metadata file read. */
#define CM_MAX_FILE (CM_MAX_ENTRIES * (CM_MAX_LINE + 2))

/* PROPERTIES bits (nssl-api.md §3: NSSLCertProperties). */
#define CM_PROP_HAS_SECOND_PATH 0x1u
#define CM_PROP_EXPORTABLE 0x2u
#define CM_PROP_ENCRYPTED 0x4u

/* TYPE values. */
#define CM_TYPE_SERVER_CA 1
#define CM_TYPE_CLIENT 2

struct cm_entry {
    int line;                      /* 1-based line of the file */
    int32_t id;
    int type;                      /* CM_TYPE_* */
    uint32_t props;                /* CM_PROP_* */
    uint32_t groups;
    char name[128];                /* from the first path: scerts/NAME.der, ccerts/NAME_CERT.der */
    char paths[2][CM_MAX_PATH];
    int npaths;
    uint64_t raw0;                 /* RAW_E0_SIZE, 0 when not given */
    uint64_t raw1;                 /* RAW_E1_SIZE, 0 when not given */
    int has_rule;                  /* CAPABILITY_MASK, TID or PID given */
    struct nssl_cs_access rule;    /* -1 (end of a PID list) not kept */
};

struct cm_meta {
    struct cm_entry *v;
    size_t n;
};

/* Parse text (len bytes, not NUL-terminated) into out, every entry checked. fname names the
 * file in messages. Returns 0, or -1 with a message "FNAME:LINE: ..." in err (always
 * NUL-terminated when errcap > 0) and out empty. */
int cm_parse(const char *text, size_t len, const char *fname, struct cm_meta *out, char *err,
             size_t errcap);
void cm_free(struct cm_meta *m);

#endif

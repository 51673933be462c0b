/* nssl-server: the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keylog_file.h"
#include "server.h"

/* Long options without a short letter. */
#define OPT_OCSP_CHAIN 0x160

void usage(FILE *f)
{
    fprintf(f,
            "usage: nssl-server --cert FILE --key FILE [options]\n"
            "  --port N           port to listen on (default 4433; 0 picks a free one)\n"
            "  --bind ADDR        address to listen on (default 127.0.0.1)\n"
            "  --cert FILE        a certificate to present (PEM or DER; repeatable, with ...\n"
            "  --key FILE         ... its private key after each --cert, PEM or DER); the first\n"
            "                     that suits the client is used, in the order given\n"
            "  --chain FILE       PEM chain sent after the last --cert\n"
            "  --cert-id ID       present the built-in store's identity entry ID (repeatable)\n"
            "  --ocsp FILE        staple this DER OCSP response for the last --cert/--cert-id\n"
            "  --ocsp-chain FILE  staple this DER OCSP response for the next certificate of its\n"
            "                     chain (repeatable: the first intermediate, then the next; '-'\n"
            "                     skips one); sent in TLS 1.3 only\n"
            "  --store FILE       use this certificate store file\n"
            "  --verify           ask clients for a certificate; let in those without one\n"
            "  --Verify           require a client certificate\n" TOOL_TRUST_USAGE
            "                     (the CAs that verify client certificates)\n"
            TOOL_STORE_KEY_USAGE TOOL_CRL_USAGE
            "  --tls1_3           TLS 1.3 only\n"
            "  --tls1_2           TLS 1.2 only\n"
            "  --groups LIST      key-exchange groups, preferred first\n"
            "  --ciphersuites L   cipher suites, preferred first\n"
            "  --alpn LIST        application protocols accepted, preferred first\n"
            TOOL_PROTO_USAGE TOOL_PSK_USAGE
            "  --no-tickets       issue no session tickets\n"
            "  --ticket-lifetime S  ticket lifetime and key rotation period in seconds\n"
            "  --echo             send back everything received (the default)\n"
            "  --www              answer any HTTP request with a page describing the connection\n"
            "  --max-conns N      most connections at once (default 2048)\n"
            "  --idle-timeout S   drop a connection idle this long (default 60)\n"
            "  --accept N         exit after N connections have finished\n"
            "  --ready-file FILE  write the bound port to FILE once listening\n"
            "  --quiet            log failures only\n"
            "  -v, --verbose      print the library's handshake trace on stderr (messages,\n"
            "                     extensions, records, alerts, each verification step),\n"
            "                     each line with its connection\n");
}

/* A numeric option's value, or a message and -1. */
static int number_option(const char *name, const char *arg, long min, long max, long *out)
{
    if (tool_parse_number(arg, min, max, out) < 0) {
        fprintf(stderr, "nssl-server: --%s needs a number from %ld to %ld\n", name, min, max);
        return -1;
    }
    return 0;
}

static struct cert_option *new_cert(struct options *o)
{
    if (o->ncerts == MAX_CERT_OPTIONS) {
        fprintf(stderr, "nssl-server: too many certificates\n");
        return NULL;
    }
    return &o->certs[o->ncerts++];
}

/* The --cert entry a --key or --chain belongs to: the last one. */
static struct cert_option *last_file_cert(struct options *o, const char *what)
{
    struct cert_option *c = o->ncerts > 0 ? &o->certs[o->ncerts - 1] : NULL;
    if (c == NULL || c->cert == NULL) {
        fprintf(stderr, "nssl-server: --%s must follow a --cert\n", what);
        return NULL;
    }
    return c;
}

int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"port", required_argument, NULL, 'p'},
        {"bind", required_argument, NULL, 'b'},
        {"cert", required_argument, NULL, 'E'},
        {"key", required_argument, NULL, 'K'},
        {"chain", required_argument, NULL, 'N'},
        {"cert-id", required_argument, NULL, 'D'},
        {"ocsp", required_argument, NULL, 'O'},
        {"ocsp-chain", required_argument, NULL, OPT_OCSP_CHAIN},
        {"store", required_argument, NULL, 'S'},
        TOOL_TRUST_LONGOPTS,
        {"verify", no_argument, NULL, 'y'},
        {"Verify", no_argument, NULL, 'Y'},
        TOOL_PROTO_LONGOPTS,
        {"no-tickets", no_argument, NULL, 'T'},
        {"ticket-lifetime", required_argument, NULL, 'L'},
        {"www", no_argument, NULL, 'w'},
        {"echo", no_argument, NULL, 'e'},
        {"max-conns", required_argument, NULL, 'm'},
        {"idle-timeout", required_argument, NULL, 't'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        TOOL_PSK_LONGOPTS,
        {"ready-file", required_argument, NULL, 'r'},
        {"accept", required_argument, NULL, 'A'},
        {"help", no_argument, NULL, 'H'},
        {NULL, 0, NULL, 0},
    };
    struct cert_option *c;
    int ch, rc;
    long v;

    memset(o, 0, sizeof(*o));
    o->port = 4433;
    o->bind = "127.0.0.1";
    o->ticket_lifetime = -1;
    o->max_conns = 2048;
    o->idle_timeout = 60;
    while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
        if ((rc = tool_trust_option(&o->trust, ch, optarg, "nssl-server")) != 0 ||
            (rc = tool_proto_option(&o->proto, ch, optarg)) != 0 ||
            (rc = tool_psk_option(&o->psk, ch, optarg, "nssl-server")) != 0) {
            if (rc < 0) {
                return -1;
            }
            continue;
        }
        switch (ch) {
        case 'p':
            if (number_option("port", optarg, 0, 65535, &o->port) < 0) {
                return -1;
            }
            break;
        case 'b':
            o->bind = optarg;
            break;
        case 'E':
            if ((c = new_cert(o)) == NULL) {
                return -1;
            }
            c->cert = optarg;
            break;
        case 'K':
            if ((c = last_file_cert(o, "key")) == NULL) {
                return -1;
            }
            c->key = optarg;
            break;
        case 'N':
            if ((c = last_file_cert(o, "chain")) == NULL) {
                return -1;
            }
            c->chain = optarg;
            break;
        case 'D':
            if (number_option("cert-id", optarg, 0, 0x7fffffff, &v) < 0 ||
                (c = new_cert(o)) == NULL) {
                return -1;
            }
            c->id = (int32_t)v;
            break;
        case 'O':
            if (o->ncerts == 0) {
                fprintf(stderr, "nssl-server: --ocsp must follow a --cert or --cert-id\n");
                return -1;
            }
            o->certs[o->ncerts - 1].ocsp = optarg;
            break;
        case OPT_OCSP_CHAIN:
            if (o->ncerts == 0 || o->certs[o->ncerts - 1].nocsp_chain >= 9) {
                fprintf(stderr, "nssl-server: --ocsp-chain must follow a --cert or --cert-id "
                                "(at most 9 for one)\n");
                return -1;
            }
            c = &o->certs[o->ncerts - 1];
            c->ocsp_chain[c->nocsp_chain++] = optarg;
            break;
        case 'S':
            o->store = optarg;
            break;
        case 'y':
            o->client_auth = NSSL_CLIENT_AUTH_REQUEST;
            break;
        case 'Y':
            o->client_auth = NSSL_CLIENT_AUTH_REQUIRE;
            break;
        case 'T':
            o->ticket_lifetime = 0;
            break;
        case 'L':
            /* RFC 8446 4.6.1: at most seven days. */
            if (number_option("ticket-lifetime", optarg, 0, 604800, &o->ticket_lifetime) < 0) {
                return -1;
            }
            break;
        case 'w':
            o->mode = MODE_WWW;
            break;
        case 'e':
            o->mode = MODE_ECHO;
            break;
        case 'm':
            if (number_option("max-conns", optarg, 1, 65536, &o->max_conns) < 0) {
                return -1;
            }
            break;
        case 't':
            if (number_option("idle-timeout", optarg, 1, 86400, &o->idle_timeout) < 0) {
                return -1;
            }
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'v':
            o->verbose = 1;
            break;
        case 'r':
            o->ready_file = optarg;
            break;
        case 'A':
            if (number_option("accept", optarg, 1, 0x7fffffff, &o->accept_limit) < 0) {
                return -1;
            }
            break;
        case 'H':
            usage(stdout);
            exit(EXIT_OK);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "nssl-server: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (o->ncerts == 0) {
        fprintf(stderr, "nssl-server: a certificate is needed (--cert and --key, or --cert-id)\n");
        return -1;
    }
    for (int i = 0; i < o->ncerts; i++) {
        if (o->certs[i].cert != NULL && o->certs[i].key == NULL) {
            fprintf(stderr, "nssl-server: --cert %s has no --key\n", o->certs[i].cert);
            return -1;
        }
    }
    if (o->client_auth != NSSL_CLIENT_AUTH_NONE && !tool_trust_has_ca(&o->trust)) {
        /* Without a CA no client certificate could ever verify. */
        fprintf(stderr, "nssl-server: --verify/--Verify need --ca, --ca-id or --ca-groups\n");
        return -1;
    }
    return 0;
}

/* nssl-bench's floor figures: what no client can spend less than. The libcrypto floors of full
 * TLS 1.3 handshakes (the ECDSA one with its main parts) and of resumed handshakes, the kernel's
 * part of a handshake (TCP connect and close; a resumed handshake's exchange), and each
 * client's handshake over its floor. */
#include <math.h>
#include <stdio.h>

#include "run.h"

/* The floor's parts (bench_floor_parts), and what is left of the total. */
static const char *const floor_part_ids[BENCH_FLOOR_PARTS + 1] = {
    "floor_p256_parse", "floor_p256_chain", "floor_p256_signature", "floor_p256_x25519",
    "floor_p256_rest"};
static const char *const floor_part_labels[BENCH_FLOOR_PARTS + 1] = {
    "  of which: parsing 2 certificates (d2i_X509)",
    "  of which: X509_verify_cert of the parsed chain", "  of which: CertificateVerify signature",
    "  of which: X25519 key generation + derivation",
    "  of which: the rest (key schedule, hashes, AEAD)"};

static void floor_parts(const struct options *o, struct bench_floor *fl, struct figure *total)
{
    static double v[BENCH_FLOOR_PARTS][MAX_SAMPLES];
    struct figure *f[BENCH_FLOOR_PARTS + 1];
    double sum = 0;

    for (int k = 0; k <= BENCH_FLOOR_PARTS; k++) {
        f[k] = add_figure(floor_part_ids[k], floor_part_labels[k], "us CPU", "%.1f");
        f[k]->same = 1;
    }
    for (int i = 0; i < o->samples; i++) {
        double parts[BENCH_FLOOR_PARTS];
        if (bench_floor_parts(fl, o->batch, parts) != 0) {
            for (int k = 0; k <= BENCH_FLOOR_PARTS; k++) {
                fail_figure(f[k], "failed");
            }
            return;
        }
        for (int k = 0; k < BENCH_FLOOR_PARTS; k++) {
            v[k][i] = parts[k];
        }
    }
    for (int k = 0; k < BENCH_FLOOR_PARTS; k++) {
        for (int c = 0; c < NCLIENTS; c++) {
            set_samples(f[k], c, v[k], o->samples, 1e6);
        }
        sum += f[k]->value[0];
    }
    f[BENCH_FLOOR_PARTS]->samples = o->samples;
    for (int c = 0; c < NCLIENTS; c++) {
        f[BENCH_FLOOR_PARTS]->value[c] = total->value[c] - sum;
    }
    snprintf(f[BENCH_FLOOR_PARTS]->note, sizeof(f[BENCH_FLOOR_PARTS]->note),
             "total minus the parts above");
}

/* The floor fl's figure f (the same value for both clients): 0, or -1 with f failed. */
static int floor_samples(const struct options *o, struct bench_floor *fl, struct figure *f)
{
    static double v[MAX_SAMPLES];

    f->same = 1;
    if (fl == NULL) {
        fail_figure(f, "setup failed");
        return -1;
    }
    for (int i = 0; i < o->samples; i++) {
        if ((v[i] = bench_floor_batch(fl, o->batch)) < 0) {
            fail_figure(f, "failed");
            return -1;
        }
    }
    for (int c = 0; c < NCLIENTS; c++) {
        set_samples(f, c, v, o->samples, 1e6);
    }
    return 0;
}

static void run_floor(const struct options *o, const char *id, const char *label, const char *hs_id,
                      const char *ratio_id, const char *ratio_label, const char *chain,
                      const char *key, const char *root, int with_parts)
{
    char paths[3][4096];
    struct figure *f = add_figure(id, label, "us CPU", "%.1f");
    struct figure *hs = find_figure(hs_id);
    struct figure *r;
    struct bench_floor *fl;

    snprintf(paths[0], sizeof(paths[0]), "%s/%s", o->certs, chain);
    snprintf(paths[1], sizeof(paths[1]), "%s/%s", o->certs, key);
    snprintf(paths[2], sizeof(paths[2]), "%s/%s", o->certs, root);
    fl = bench_floor_new(paths[0], paths[1], paths[2]);
    if (floor_samples(o, fl, f) != 0) {
        bench_floor_free(fl);
        return;
    }
    if (with_parts) {
        floor_parts(o, fl, f);
    }
    bench_floor_free(fl);
    if (hs == NULL) {
        return;
    }
    /* Each client's median handshake over the floor. */
    r = add_figure(ratio_id, ratio_label, "x floor", "%.2f");
    r->samples = hs->samples;
    for (int c = 0; c < NCLIENTS; c++) {
        r->value[c] = hs->value[c] / f->value[c];
    }
}

/* What the kernel's TCP connection set-up and close cost the client, measured alone. */
static void run_tcp(const struct options *o, const struct bench_target *t)
{
    static double v[MAX_SAMPLES];
    struct figure *f =
        add_figure("tcp_connect", "TCP connect + close alone, no TLS", "us CPU", "%.1f");
    f->same = 1;
    for (int i = 0; i < o->samples; i++) {
        if ((v[i] = bench_tcp_batch(t->port_ecdsa, o->batch)) < 0) {
            fail_figure(f, "failed");
            return;
        }
    }
    for (int c = 0; c < NCLIENTS; c++) {
        set_samples(f, c, v, o->samples, 1e6);
    }
    snprintf(f->note, sizeof(f->note), "part of every handshake figure");
}

/* What the kernel costs the client for the messages of a resumed TLS 1.2 handshake (connect,
 * ClientHello, the server's flight, Finished, close_notify, close) as plain bytes to a raw TCP
 * peer: most of such a handshake's client CPU, and paid by every client. */
static void run_tcp_exchange(const struct options *o)
{
    static double v[MAX_SAMPLES];
    struct figure *f = add_figure(
        "tcp_exchange", "TCP exchange of a resumed handshake alone, no TLS", "us CPU", "%.1f");
    struct bench_peer peer;

    f->same = 1;
    if (bench_peer_exchange(&peer) != 0) {
        fail_figure(f, "peer did not start");
        return;
    }
    for (int i = 0; i < o->samples; i++) {
        if ((v[i] = bench_tcp_exchange_batch(peer.port, o->batch)) < 0) {
            fail_figure(f, "failed");
            bench_peer_stop(&peer);
            return;
        }
    }
    bench_peer_stop(&peer);
    for (int c = 0; c < NCLIENTS; c++) {
        set_samples(f, c, v, o->samples, 1e6);
    }
    snprintf(f->note, sizeof(f->note),
             "%d+%d+%d+%d bytes: the kernel's part of a resumed TLS 1.2 handshake", BENCH_EX_HELLO,
             BENCH_EX_FLIGHT, BENCH_EX_FINISHED, BENCH_EX_CLOSE);
}

/* The rows of a resumed handshake's floor. */
struct resumed_floor_rows {
    int tls12;
    const char *floor_id, *floor_label;
    const char *hs_id; /* the resumed handshake figure */
    const char *sum_id, *sum_label;
    const char *ratio_id, *ratio_label;
    const char *sum_note; /* what the sum's TCP part stands for, or "" */
};

static const struct resumed_floor_rows resumed_floors[] = {
    {1, "floor_res12", "libcrypto floor: resumed TLS 1.2 handshake", "hs12_resumed",
     "floor_res12_total", "resumed TLS 1.2 floor: TCP exchange + libcrypto", "floor_ratio_res12",
     "  resumed handshake TLS 1.2 / floor", ""},
    {0, "floor_res13", "libcrypto floor: resumed TLS 1.3 handshake", "hs13_resumed",
     "floor_res13_total", "resumed TLS 1.3 floor: TCP exchange + libcrypto", "floor_ratio_res13",
     "  resumed handshake TLS 1.3 / floor", "TCP: TLS 1.2's sizes, same turns"},
};

/* A resumed handshake's floor: its libcrypto floor, then that plus the TCP exchange of a
 * resumed handshake (the kernel's part) as the whole floor, and each client's median resumed
 * handshake over the whole floor when the handshakes were measured. Rows whose inputs failed
 * say FAILED: nothing is made up. */
static void run_resumed_floor(const struct options *o, const struct resumed_floor_rows *b)
{
    struct figure *f = add_figure(b->floor_id, b->floor_label, "us CPU", "%.1f");
    struct bench_floor *fl = bench_floor_resumed_new(b->tls12);
    const struct figure *tcp = find_figure("tcp_exchange");
    const struct figure *hs = find_figure(b->hs_id);
    struct figure *sum;
    struct figure *r;
    char share[64] = "";

    floor_samples(o, fl, f);
    bench_floor_free(fl);

    sum = add_figure(b->sum_id, b->sum_label, "us CPU", "%.1f");
    sum->same = 1;
    sum->samples = f->samples;
    if (tcp == NULL || isnan(tcp->value[0]) || isnan(f->value[0])) {
        fail_figure(sum, isnan(f->value[0]) ? "the libcrypto floor failed"
                                             : "the TCP exchange failed");
    } else {
        for (int c = 0; c < NCLIENTS; c++) {
            sum->value[c] = tcp->value[c] + f->value[c];
        }
        /* The floor as a share of OpenSSL's resumed handshake (the budget's yardstick). */
        if (hs != NULL && !isnan(hs->value[1]) && hs->value[1] > 0) {
            snprintf(share, sizeof(share), "= %.2f x OpenSSL's resumed handshake",
                     sum->value[0] / hs->value[1]);
        }
        snprintf(sum->note, sizeof(sum->note), "%s%s%s", share,
                 share[0] != '\0' && b->sum_note[0] != '\0' ? "; " : "", b->sum_note);
    }
    if (hs == NULL) {
        return;
    }
    /* Each client's median resumed handshake over the whole floor. */
    r = add_figure(b->ratio_id, b->ratio_label, "x floor", "%.2f");
    r->samples = hs->samples;
    for (int c = 0; c < NCLIENTS; c++) {
        r->value[c] = hs->value[c] / sum->value[c];
    }
    if (isnan(r->value[0]) && isnan(r->value[1])) {
        snprintf(r->note, sizeof(r->note), "%s failed",
                 isnan(sum->value[0]) ? "the floor" : "the handshake figure");
    } else {
        snprintf(r->note, sizeof(r->note), "1.00 = a client at the floor");
    }
}

void run_floors(const struct options *o, const struct bench_target *t)
{
    run_floor(o, "floor_p256", "libcrypto floor: TLS 1.3 handshake, ECDSA P-256",
              "hs13_full", "floor_ratio_p256", "  full TLS 1.3 ECDSA P-256 / floor",
              "server-p256-chain.pem", "server-p256.key", "root-ca.pem", 1);
    run_floor(o, "floor_rsa", "libcrypto floor: TLS 1.3 handshake, RSA-2048", "hs13_rsa",
              "floor_ratio_rsa", "  full TLS 1.3 RSA-2048 / floor",
              "server-rsa-chain2048-chain.pem", "server-rsa-chain2048.key",
              "rsa-root-ca.pem", 0);
    run_tcp(o, t);
    run_tcp_exchange(o);
    for (unsigned i = 0; i < sizeof(resumed_floors) / sizeof(resumed_floors[0]); i++) {
        run_resumed_floor(o, &resumed_floors[i]);
    }
}

/* Carriers for public-API tests that need no socket (issue 13): an in-memory pipe that serves
 * as the application transport of NSSLCreateTransportConnection, and the byte mover between
 * two event connections (NSSLCreateEventConnection). Header-only, so any test program in
 * tests/api can include it without a build change.
 *
 * The pipe has two ends; what end k sends, end 1-k receives. Each end has knobs a test sets
 * before or between calls (short sends and receives, a bounded queue that makes send return
 * NSSL_ERROR_WANT_WRITE) and counters. It is thread-safe: with carrier_wait as the transport's
 * wait, two blocking connections may run in two threads; one thread driving both sides
 * alternately uses block 0 and no wait. */
#ifndef NSSL_TESTS_CARRIER_H
#define NSSL_TESTS_CARRIER_H

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nssl/nssl.h>

/* Bytes travelling one way. */
struct carrier_queue {
    unsigned char *buf;
    size_t head, len, cap; /* bytes buf[head .. head + len) wait; cap is allocated */
    size_t limit;          /* most bytes the queue holds; 0: no limit */
    int closed;            /* the sender closed: once empty, recv reports end of stream */
};

struct carrier_pipe;

/* One end: the `user` of the transport callbacks. */
struct carrier_end {
    struct carrier_pipe *pipe;
    int side;          /* 0 or 1: sends into q[side], receives from q[1 - side] */
    /* knobs */
    int32_t send_max;  /* most bytes one send call takes; 0: as many as fit */
    int32_t recv_max;  /* most bytes one recv call returns; 0: as many as asked */
    int32_t fail;      /* non-zero: every call returns this value (NSSL_ERROR_IO_ERROR...) */
    /* counters */
    long sends, recvs, want_writes, want_reads, waits;
    long bytes_sent, bytes_received;
};

struct carrier_pipe {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct carrier_queue q[2];
    struct carrier_end end[2];
};

/* A pipe whose queues hold at most `limit` bytes each (0: no limit). */
static inline void carrier_pipe_init(struct carrier_pipe *p, size_t limit)
{
    memset(p, 0, sizeof(*p));
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed, NULL);
    for (int k = 0; k < 2; k++) {
        p->q[k].limit = limit;
        p->end[k].pipe = p;
        p->end[k].side = k;
    }
}

static inline void carrier_pipe_free(struct carrier_pipe *p)
{
    free(p->q[0].buf);
    free(p->q[1].buf);
    pthread_cond_destroy(&p->changed);
    pthread_mutex_destroy(&p->lock);
    memset(p, 0, sizeof(*p));
}

/* End e stops sending (shutdown(SHUT_WR)): the other end's recv returns 0 once it has read
 * what was sent. */
static inline void carrier_shut_write(struct carrier_end *e)
{
    pthread_mutex_lock(&e->pipe->lock);
    e->pipe->q[e->side].closed = 1;
    pthread_cond_broadcast(&e->pipe->changed);
    pthread_mutex_unlock(&e->pipe->lock);
}

/* End e is closed, as an application closes a socket after a failed connection: besides
 * carrier_shut_write, the other end's sends fail (NSSL_ERROR_IO_ERROR, a socket's EPIPE), and
 * what it had sent and e never read stays unread. */
static inline void carrier_close(struct carrier_end *e)
{
    pthread_mutex_lock(&e->pipe->lock);
    e->pipe->q[0].closed = e->pipe->q[1].closed = 1;
    pthread_cond_broadcast(&e->pipe->changed);
    pthread_mutex_unlock(&e->pipe->lock);
}

/* Bytes waiting for end e to receive. */
static inline size_t carrier_pending(struct carrier_end *e)
{
    size_t n;
    pthread_mutex_lock(&e->pipe->lock);
    n = e->pipe->q[1 - e->side].len;
    pthread_mutex_unlock(&e->pipe->lock);
    return n;
}

static inline size_t carrier_room_locked(const struct carrier_queue *q)
{
    if (q->limit == 0) {
        return SIZE_MAX;
    }
    return q->len < q->limit ? q->limit - q->len : 0;
}

/* Append n bytes; 0 on success, -1 when out of memory. */
static inline int carrier_queue_put(struct carrier_queue *q, const void *data, size_t n)
{
    if (q->head + q->len + n > q->cap) {
        /* Move what waits to the front before growing (never a NULL buffer to memmove). */
        if (q->head > 0) {
            memmove(q->buf, q->buf + q->head, q->len);
            q->head = 0;
        }
        if (q->len + n > q->cap) {
            size_t cap = q->cap ? q->cap : 4096;
            unsigned char *nb;
            while (cap < q->len + n) {
                cap *= 2;
            }
            nb = realloc(q->buf, cap);
            if (nb == NULL) {
                return -1;
            }
            q->buf = nb;
            q->cap = cap;
        }
    }
    memcpy(q->buf + q->head + q->len, data, n);
    q->len += n;
    return 0;
}

/* NSSLTransportSendFn. */
static inline int32_t carrier_send(void *user, const void *buf, int32_t len)
{
    struct carrier_end *e = user;
    struct carrier_queue *q = &e->pipe->q[e->side];
    size_t n = (size_t)len;
    int32_t rc;

    pthread_mutex_lock(&e->pipe->lock);
    e->sends++;
    if (e->fail != 0) {
        rc = e->fail;
    } else if (q->closed) {
        rc = NSSL_ERROR_IO_ERROR;
    } else {
        if (e->send_max > 0 && n > (size_t)e->send_max) {
            n = (size_t)e->send_max;
        }
        if (n > carrier_room_locked(q)) {
            n = carrier_room_locked(q);
        }
        if (n == 0) {
            e->want_writes++;
            rc = NSSL_ERROR_WANT_WRITE;
        } else if (carrier_queue_put(q, buf, n) != 0) {
            rc = NSSL_ERROR_IO_ERROR;
        } else {
            e->bytes_sent += (long)n;
            rc = (int32_t)n;
            pthread_cond_broadcast(&e->pipe->changed);
        }
    }
    pthread_mutex_unlock(&e->pipe->lock);
    return rc;
}

/* NSSLTransportRecvFn. */
static inline int32_t carrier_recv(void *user, void *buf, int32_t len)
{
    struct carrier_end *e = user;
    struct carrier_queue *q = &e->pipe->q[1 - e->side];
    size_t n = (size_t)len;
    int32_t rc;

    pthread_mutex_lock(&e->pipe->lock);
    e->recvs++;
    if (e->fail != 0) {
        rc = e->fail;
    } else if (q->len == 0) {
        if (q->closed) {
            rc = 0;
        } else {
            e->want_reads++;
            rc = NSSL_ERROR_WANT_READ;
        }
    } else {
        if (e->recv_max > 0 && n > (size_t)e->recv_max) {
            n = (size_t)e->recv_max;
        }
        if (n > q->len) {
            n = q->len;
        }
        memcpy(buf, q->buf + q->head, n);
        q->head += n;
        q->len -= n;
        if (q->len == 0) {
            q->head = 0;
        }
        e->bytes_received += (long)n;
        rc = (int32_t)n;
        pthread_cond_broadcast(&e->pipe->changed);
    }
    pthread_mutex_unlock(&e->pipe->lock);
    return rc;
}

/* NSSLTransportWaitFn: waits for the other end (another thread) to send or to make room. */
static inline int32_t carrier_wait(void *user, int32_t forWrite, int32_t timeoutMs)
{
    struct carrier_end *e = user;
    struct carrier_pipe *p = e->pipe;
    struct timespec until;
    int32_t rc = NSSL_ERROR_TIMEOUT;

    clock_gettime(CLOCK_REALTIME, &until);
    if (timeoutMs >= 0) {
        until.tv_sec += timeoutMs / 1000;
        until.tv_nsec += (long)(timeoutMs % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&p->lock);
    e->waits++;
    for (;;) {
        const struct carrier_queue *in = &p->q[1 - e->side], *out = &p->q[e->side];
        int ready = forWrite ? (out->closed || carrier_room_locked(out) > 0)
                             : (in->len > 0 || in->closed);
        if (e->fail != 0) {
            rc = e->fail;
            break;
        }
        if (ready) {
            rc = 0;
            break;
        }
        if (timeoutMs < 0) {
            pthread_cond_wait(&p->changed, &p->lock);
        } else if (pthread_cond_timedwait(&p->changed, &p->lock, &until) == ETIMEDOUT) {
            break;
        }
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

/* A transport connection on end e of a pipe (wait: carrier_wait when block, else NULL). */
static inline NSSLConnectionHandle carrier_connection(NSSLContextHandle ctx, const char *host,
                                                      int32_t options, struct carrier_end *e,
                                                      int32_t block)
{
    return NSSLCreateTransportConnection(ctx, host, host ? (int32_t)strlen(host) : 0, options,
                                         carrier_recv, carrier_send,
                                         block ? carrier_wait : NULL, e, block);
}

/* ---- event connections ---- */

/* Move what event connection `from` has to send into event connection `to`, in deliveries of
 * at most `chunk` bytes (0: as much as fits), at most `max` bytes in all (0: no limit), with
 * NSSLFeed (feed non-zero) or NSSLGetRecvBuffer / memcpy / NSSLRecvCommit. Stops when `from`
 * has nothing more or `to` has no room (a whole record waits there: `to` must run first).
 * Returns the bytes moved, or the first error of the event calls. */
static inline int32_t carrier_event_move(NSSLConnectionHandle from, NSSLConnectionHandle to,
                                         int32_t chunk, int32_t max, int feed)
{
    int32_t moved = 0;

    while (max == 0 || moved < max) {
        const void *data = NULL;
        int32_t size = 0, n, rc;

        if ((rc = NSSLGetSendData(from, &data, &size)) != 0) {
            return rc;
        }
        if (size == 0) {
            break;
        }
        n = size;
        if (chunk > 0 && n > chunk) {
            n = chunk;
        }
        if (max > 0 && n > max - moved) {
            n = max - moved;
        }
        if (feed) {
            int32_t taken = -1;
            if ((rc = NSSLFeed(to, data, n, &taken)) != 0) {
                return rc;
            }
            if (taken < 0 || taken > n) {
                return NSSL_ERROR_GENERIC; /* the contract says 0 .. n */
            }
            n = taken;
        } else {
            void *buf = NULL;
            int32_t space = 0;
            if ((rc = NSSLGetRecvBuffer(to, &buf, &space)) != 0) {
                return rc;
            }
            if (n > space) {
                n = space;
            }
            if (n > 0) {
                memcpy(buf, data, (size_t)n);
            }
            if ((rc = NSSLRecvCommit(to, n)) != 0) {
                return rc;
            }
        }
        if (n == 0) {
            break; /* `to` is full */
        }
        if ((rc = NSSLSendCommit(from, n)) != 0) {
            return rc;
        }
        moved += n;
    }
    return moved;
}

#endif

/* srcscan explain's match collector for libhs (Hyperscan's C library, or Vectorscan's).
 *
 * Compiled on first use by srcscan/explain/libhs.py (cc -O2 -shared -fPIC) and called through
 * ctypes. It needs no Hyperscan header: libhs.py hands it the address of the library's hs_scan,
 * and these functions call it with a match handler written in C. The Python binding of
 * Hyperscan (`hyperscan`) calls a Python function once per match, taking the interpreter's lock
 * again each time; here no Python code runs during a scan.
 *
 * The data scanned is a block of message texts, each ended by one \n (engines.Hyperscan._scan
 * builds it: `\x1f text \n` per text, no other \n); every expression ends with \n, so a match's
 * end offset is the offset just past the \n of the record it matched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int (*match_fn)(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
                        void *context);
/* hs_scan(db, data, length, flags, scratch, on_event, context) of hs_runtime.h */
typedef int (*scan_fn)(const void *db, const char *data, unsigned int length, unsigned int flags, void *scratch,
                       match_fn on_event, void *context);

long srcscan_hs_version(void) { return 1; }

/* Record index of each end offset: at[offset just past the k-th \n] = k; -1 elsewhere.
 * Returns the number of records. */
static long records(const char *data, long length, int32_t *at) {
    memset(at, 0xff, sizeof(int32_t) * (size_t)(length + 1));
    long n = 0;
    const char *p = data, *end = data + length;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        p++;
        at[p - data] = (int32_t)n++;
    }
    return n;
}

struct best { const int32_t *at; int32_t *best; };

static int on_best(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void *context) {
    struct best *c = context;
    int32_t k = c->at[to];
    (void)from; (void)flags;
    if (k >= 0 && (int32_t)id > c->best[k]) c->best[k] = (int32_t)id;
    return 0;
}

/* Per record, the highest id of an expression matching it, or -1: best[0..n). `at` has room for
 * length + 1 values, `best` for one value per \n of data. Returns n, or -1 - (hs_scan's error). */
long srcscan_hs_best(void *scan, const void *db, void *scratch, const char *data, long length, int32_t *at,
                     int32_t *best) {
    long n = records(data, length, at);
    memset(best, 0xff, sizeof(int32_t) * (size_t)n);
    struct best c = {at, best};
    int rc = ((scan_fn)scan)(db, data, (unsigned int)length, 0, scratch, on_best, &c);
    return rc == 0 ? n : -1L - (rc < 0 ? -rc : rc);
}

struct all { const int32_t *at; int32_t *recs; int32_t *ids; long n; long cap; };

static int on_all(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void *context) {
    struct all *c = context;
    (void)from; (void)flags;
    if (c->n < c->cap) {
        c->recs[c->n] = c->at[to];
        c->ids[c->n] = (int32_t)id;
    }
    c->n++;
    return 0;
}

/* Every match, as (record index, expression id) pairs in recs/ids, up to `cap` of them. Returns
 * the number of matches (more than cap: call again with room for them), or -1 - (the error). */
long srcscan_hs_all(void *scan, const void *db, void *scratch, const char *data, long length, int32_t *at,
                    int32_t *recs, int32_t *ids, long cap) {
    records(data, length, at);
    struct all c = {at, recs, ids, 0, cap};
    int rc = ((scan_fn)scan)(db, data, (unsigned int)length, 0, scratch, on_all, &c);
    return rc == 0 ? c.n : -1L - (rc < 0 ? -rc : rc);
}

/* Memory libhs allocated with its default allocator (malloc): hs_serialize_database's bytes. */
void srcscan_hs_free(void *p) { free(p); }

/* srcscan explain's match collector for libhs (Hyperscan's C library, or Vectorscan's).
 *
 * Compiled on first use by srcscan/explain/libhs.py (cc -O2 -shared -fPIC) and called through
 * ctypes. It needs no Hyperscan header: libhs.py hands it the address of the library's hs_scan,
 * and these functions call it with a match handler written in C. The Python binding of
 * Hyperscan (`hyperscan`) calls a Python function once per match, taking the interpreter's lock
 * again each time; here no Python code runs during a scan.
 *
 * The texts come back to back in `data`, text k being lens[k] bytes long (any bytes: a newline
 * or a NUL inside a text is only a byte). Each text is scanned on its own (one hs_scan per text),
 * against a database whose expressions are anchored at both ends (`^body[ \t]*\z`, DOTALL,
 * SINGLEMATCH: engines.Hyperscan builds them), so every match is a full match of that text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int (*match_fn)(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
                        void *context);
/* hs_scan(db, data, length, flags, scratch, on_event, context) of hs_runtime.h */
typedef int (*scan_fn)(const void *db, const char *data, unsigned int length, unsigned int flags, void *scratch,
                       match_fn on_event, void *context);

#define NO_MEMORY 3 /* -HS_NOMEM of hs_common.h: reported as hs_scan's errors are */

long srcscan_hs_version(void) { return 4; }

/* The highest id matching one text, and whether another id of its class matched too. Classes
 * (a run of ids in increasing rank: the caller's, e.g. as much literal text) may be
 * NULL: no ties then. Each id is reported at most once (SINGLEMATCH), in any order. */
struct best { int32_t best; int32_t tie; const int32_t *classes; };

static int on_best(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void *context) {
    struct best *c = context;
    int32_t i = (int32_t)id;
    (void)from; (void)to; (void)flags;
    if (i > c->best) {
        c->tie = c->best >= 0 && c->classes && c->classes[i] == c->classes[c->best];
        c->best = i;
    } else if (c->classes && c->classes[i] == c->classes[c->best]) {
        c->tie = 1;
    }
    return 0;
}

/* One distinct text: its first 8 bytes (big-endian, zero-padded: the sort key), where it is. */
struct text { uint64_t head; const unsigned char *p; int32_t len; };

static uint64_t hash(const unsigned char *p, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n, w;
    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, p, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 29);
}

/* order[0..d) = the indexes of texts[0..d) by their first 8 bytes (a stable radix sort: texts alike
 * in those keep the order they came in); `work` has room for d values. */
static void by_head(const struct text *texts, long d, int32_t *order, int32_t *work) {
    size_t count[257];
    for (long s = 0; s < d; s++) order[s] = (int32_t)s;
    for (int shift = 0; shift < 64 && d > 1; shift += 8) {
        memset(count, 0, sizeof count);
        for (long s = 0; s < d; s++) count[(texts[order[s]].head >> shift & 0xff) + 1]++;
        if (count[(texts[0].head >> shift & 0xff) + 1] == (size_t)d) continue; /* one value of this byte */
        for (int b = 0; b < 256; b++) count[b + 1] += count[b];
        for (long s = 0; s < d; s++) work[count[texts[order[s]].head >> shift & 0xff]++] = order[s];
        memcpy(order, work, sizeof(int32_t) * (size_t)d);
    }
}

/* Per text, the highest id of an expression matching it, or -1: best[0..n); with `classes` (per id,
 * its class: see struct best), tied[k] = 1 when another id of that class matched text k too, else 0. Each distinct text is
 * scanned once (logs repeat their texts), the distinct texts in the order of their first 8 bytes:
 * texts alike one after another scan faster (Hyperscan's state stays in the caches; measured on
 * keepalived 2.3.4's generated log: 0.62 s of scans sorted, 0.89 s in the order they came). Returns n, or -1 - (hs_scan's error,
 * or NO_MEMORY). */
long srcscan_hs_best(void *scan, const void *db, void *scratch, const char *data, long n, const int32_t *lens,
                     int32_t *best, const int32_t *classes, char *tied, const char *keep, int32_t skipped) {
    size_t cap = 16;
    while (cap < (size_t)n * 2) cap <<= 1;
    int32_t *table = malloc(sizeof(int32_t) * cap);
    struct text *texts = malloc(sizeof(struct text) * (size_t)(n ? n : 1));
    int32_t *found = malloc(sizeof(int32_t) * (size_t)(n ? n : 1));
    int32_t *order = malloc(sizeof(int32_t) * (size_t)(n ? n : 1));
    long rc = n, d = 0;
    if (!table || !texts || !found || !order) {
        rc = -1 - NO_MEMORY;
        goto done;
    }
    memset(table, 0xff, sizeof(int32_t) * cap);
    const unsigned char *p = (const unsigned char *)data;
    for (long i = 0; i < n; p += lens[i++]) { /* best[i] = the distinct text's index, for now */
        if (keep && !keep[i]) {
            best[i] = -1; /* not scanned: `skipped` */
            continue;
        }
        size_t len = (size_t)lens[i], h = hash(p, len) & (cap - 1);
        for (;; h = (h + 1) & (cap - 1)) {
            int32_t j = table[h];
            if (j < 0) {
                uint64_t head = 0;
                for (size_t b = 0; b < 8; b++) head = head << 8 | (b < len ? p[b] : 0);
                texts[d] = (struct text){head, p, (int32_t)len};
                table[h] = best[i] = (int32_t)d++;
                break;
            }
            if ((size_t)texts[j].len == len && memcmp(texts[j].p, p, len) == 0) {
                best[i] = j;
                break;
            }
        }
    }
    by_head(texts, d, order, found);
    for (long s = 0; s < d; s++) {
        const struct text *t = &texts[order[s]];
        struct best r = {-1, 0, classes};
        int e = ((scan_fn)scan)(db, (const char *)t->p, (unsigned int)t->len, 0, scratch, on_best, &r);
        if (e != 0) {
            rc = -1L - (e < 0 ? -e : e);
            goto done;
        }
        found[order[s]] = r.best < 0 ? -1 : r.best * 2 + r.tie; /* room: ids < 2^30 */
    }
    for (long i = 0; i < n; i++) {
        int32_t f = best[i] < 0 ? -1 : found[best[i]];
        best[i] = best[i] < 0 ? skipped : f < 0 ? -1 : f >> 1;
        if (classes) tied[i] = (char)(f > 0 && (f & 1));
    }
done:
    free(table);
    free(texts);
    free(found);
    free(order);
    return rc;
}

struct all { int32_t text; int32_t *texts; int32_t *ids; long n; long cap; };

static int on_all(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void *context) {
    struct all *c = context;
    (void)from; (void)to; (void)flags;
    if (c->n < c->cap) {
        c->texts[c->n] = c->text;
        c->ids[c->n] = (int32_t)id;
    }
    c->n++;
    return 0;
}

/* Every match, as (text index, expression id) pairs in texts/ids, up to `cap` of them. Returns the
 * number of matches (more than cap: call again with room for them), or -1 - (hs_scan's error). */
long srcscan_hs_all(void *scan, const void *db, void *scratch, const char *data, long n, const int32_t *lens,
                    int32_t *texts, int32_t *ids, long cap) {
    struct all c = {0, texts, ids, 0, cap};
    for (long i = 0; i < n; data += lens[i++]) {
        c.text = (int32_t)i;
        int e = ((scan_fn)scan)(db, data, (unsigned int)lens[i], 0, scratch, on_all, &c);
        if (e != 0) return -1L - (e < 0 ? -e : e);
    }
    return c.n;
}

/* Memory libhs allocated with its default allocator (malloc): hs_serialize_database's bytes. */
void srcscan_hs_free(void *p) { free(p); }

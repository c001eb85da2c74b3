/* srcscan explain's header reader: the log line forms of srcscan/explain/lines.py (FORMS),
 * recognised in C for a whole block of lines at once.
 *
 * Compiled on first use by srcscan/explain/native.py (cc -O2 -shared -fPIC) and called through
 * ctypes; when no C compiler is there, blocks.py reads the same lines with Python's re and gives
 * the same records (tests/unit/test_explain_native.py checks both on every captured log and on
 * generated, damaged and random lines).
 *
 * Per line, the header of the form that fits it is matched exactly as the header expression of
 * that form in lines.py would match it (blocks._header: groups time and ident, the text is the
 * rest of the line). The forms start differently (`<PRI>`, a month, a year, a day name), so at
 * most one fits a line and the order in which they are tried does not matter. A journal entry
 * (journalctl -o json) of the plain kind journal_entry reads is read here too, as Python's json
 * module reads it. A line this code does not read (another JSON line, a line no form fits, or a
 * form's rare case not handled here) gets code 0 and is read by Python.
 *
 * Output, per line (lines are cut at \n; a last line without \n counts when it is not empty):
 *   codes[i]  form number (1 syslog, 2 iso, 3 rfc5424, 4 lighttpd, 5 keepalived, 6 logread, 7 a journal
 *             entry (journal_entry below); 0: read by Python), + 0x80 when the text needs another
 *             look (it starts with lighttpd's stamp, or holds an rsyslog escape `#ooo` of a control
 *             character or a \r; a journal entry's text: it starts with `(`);
 *   pris[i]   the priority the line carries (0-7: `<PRI>` % 8, logread's level, the journal's
 *             PRIORITY), 8 none, 9 unknown;
 *   texts, idents, times: each line's text / ident / time followed by \n (empty when absent).
 * lens[0..2] receive the bytes written to texts, idents, times; lens[3] the lines without an
 * ident (forms lighttpd and keepalived, and code 0); starts[0..n] where each line starts, and
 * starts[n] one past the \n of the last line (line k is data[starts[k] : starts[k + 1] - 1]; room
 * for len + 2 values). Returns the number of lines.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef const unsigned char *P;

#define JOURNAL 7 /* the code of a journal entry */

static int digit(int c) { return c >= '0' && c <= '9'; }
/* \s of a Python bytes expression */
static int space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
/* [^\s\[\]:] : a host or a syslog tag */
static int tagc(int c) { return !space(c) && c != '[' && c != ']' && c != ':'; }

static int digits(P p, P e, int n) {
    for (int k = 0; k < n; k++)
        if (p + k >= e || !digit(p[k])) return 0;
    return 1;
}

static int lit(P p, P e, const char *s) {
    size_t n = strlen(s);
    return (size_t)(e - p) >= n && memcmp(p, s, n) == 0;
}

static const char *MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *DAYS[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

static int word(P p, P e, const char **words, int n) {
    if (e - p < 3) return 0;
    for (int k = 0; k < n; k++)
        if (memcmp(p, words[k], 3) == 0) return 1;
    return 0;
}

/* (?:\.\d+)? : the end of an optional fraction (p itself when there is none) */
static P fraction(P p, P e) {
    if (p + 1 < e && *p == '.' && digit(p[1])) {
        p += 2;
        while (p < e && digit(*p)) p++;
    }
    return p;
}

/* `[ \d]\d \d\d:\d\d:\d\d` at p; returns its end or NULL */
static P day_clock(P p, P e) {
    if (e - p < 11) return NULL;
    if (!(p[0] == ' ' || digit(p[0])) || !digit(p[1]) || p[2] != ' ') return NULL;
    p += 3;
    if (!digits(p, e, 2) || p[2] != ':' || !digits(p + 3, e, 2) || p[5] != ':' || !digits(p + 6, e, 2)) return NULL;
    return p + 8;
}

/* _TAG: `([^\s\[\]:]+)(?:\[\d+\])?: ?` ; sets the ident and returns the text's start or NULL */
static P tag(P p, P e, P *id0, P *id1) {
    P q = p;
    while (q < e && tagc(*q)) q++;
    if (q == p) return NULL;
    *id0 = p;
    *id1 = q;
    if (q < e && *q == '[') {
        P r = q + 1;
        while (r < e && digit(*r)) r++;
        if (r == q + 1 || r >= e || *r != ']') return NULL;
        q = r + 1;
    }
    if (q >= e || *q != ':') return NULL;
    q++;
    if (q < e && *q == ' ') q++;
    return q;
}

/* `_HOST? _TAG` : the host is tried first, as the greedy `?` of the expression does */
static P host_tag(P p, P e, P *id0, P *id1) {
    P h = p;
    while (h < e && tagc(*h)) h++;
    if (h > p && h < e && *h == ' ') {
        P t = tag(h + 1, e, id0, id1);
        if (t) return t;
    }
    return tag(p, e, id0, id1);
}

/* `<\d{1,3}>` at p: its value, and p moved past it; -1 when there is none */
static int pri(P *pp, P e) {
    P p = *pp;
    if (p >= e || *p != '<') return -1;
    P q = p + 1;
    int v = 0;
    while (q < e && digit(*q) && q - p <= 3) v = v * 10 + (*q++ - '0');
    if (q == p + 1 || q >= e || *q != '>') return -1;
    *pp = q + 1;
    return v;
}

/* one \S+ followed by one space; returns the field's end or NULL */
static P field(P p, P e) {
    P q = p;
    while (q < e && !space(*q)) q++;
    if (q == p || q >= e || *q != ' ') return NULL;
    return q;
}

static int level(P p, P e) {
    static const char *names[] = {"emerg", "panic", "alert", "crit", "err", "error", "warn", "warning", "notice",
                                  "info", "debug"};
    static const int values[] = {0, 0, 1, 2, 3, 3, 4, 4, 5, 6, 7};
    for (int k = 0; k < 11; k++)
        if ((size_t)(e - p) == strlen(names[k]) && memcmp(p, names[k], e - p) == 0) return values[k];
    return 8;
}

/* One line [p, e): form number or 0, and the groups. */
static int header(P p, P e, P *t0, P *t1, P *id0, P *id1, P *text, int *priority) {
    P s = p;
    *id0 = *id1 = NULL;
    *priority = 8;
    if (p >= e) return 0;
    int v = -1;
    if (*p == '<') {
        P q = p;
        v = pri(&q, e);
        if (v < 0) return 0;
        if (q < e && *q == '1' && q + 1 < e && q[1] == ' ') { /* RFC 5424 */
            P f = q + 2, g;
            if (!(g = field(f, e))) return 0;
            *t0 = f, *t1 = g;
            if (!(g = field(f = g + 1, e))) return 0; /* host */
            if (!(g = field(f = g + 1, e))) return 0; /* app-name */
            *id0 = f, *id1 = g;
            if (!(g = field(f = g + 1, e))) return 0; /* procid */
            if (!(g = field(f = g + 1, e))) return 0; /* msgid */
            f = g + 1;
            if (f < e && *f == '-') {
                f++;
            } else if (f < e && *f == '[') {
                P last = NULL;
                while (f < e && *f == '[') {
                    P r = f + 1;
                    while (r < e && *r != ']') {
                        if (*r == '\\') {
                            if (r + 1 >= e) break;
                            r += 2;
                        } else {
                            r++;
                        }
                    }
                    if (r >= e || *r != ']') break;
                    f = last = r + 1;
                }
                if (!last) return 0;
                f = last;
            } else {
                return 0;
            }
            if (f < e && *f == ' ') f++;
            if (e - f >= 3 && f[0] == 0xef && f[1] == 0xbb && f[2] == 0xbf) f += 3;
            if (f < e && *f == ' ') f++;
            *text = f;
            *priority = v % 8;
            return 3;
        }
        s = q;
    }
    if (word(s, e, MONTHS, 12)) { /* syslog */
        if (e - s < 4 || s[3] != ' ') return 0;
        P c = day_clock(s + 4, e);
        if (!c) return 0;
        c = fraction(c, e);
        if (c >= e || *c != ' ') return 0;
        *t0 = s, *t1 = c;
        if (!(*text = host_tag(c + 1, e, id0, id1))) return 0;
        *priority = v >= 0 ? v % 8 : 8;
        return 1;
    }
    if (digits(s, e, 4) && s + 4 < e && s[4] == '-') { /* iso, lighttpd */
        if (!digits(s + 5, e, 2) || e - s < 19 || s[7] != '-' || !digits(s + 8, e, 2)) return 0;
        P c = s + 10;
        int iso = *c == 'T';
        if (!iso && (*c != ' ' || v >= 0)) return 0;
        c++;
        if (!digits(c, e, 2) || c[2] != ':' || !digits(c + 3, e, 2) || c[5] != ':' || !digits(c + 6, e, 2)) return 0;
        c = fraction(c + 8, e);
        if (!iso) { /* lighttpd: `: ` and the text starts with `(` */
            if (e - c < 3 || c[0] != ':' || c[1] != ' ' || c[2] != '(') return 0;
            *t0 = s, *t1 = c, *text = c + 2;
            return 4;
        }
        if (c < e && *c == 'Z') {
            c++;
        } else if (c < e && (*c == '+' || *c == '-')) {
            if (!digits(c + 1, e, 2)) return 0;
            c += 3;
            if (c < e && *c == ':' && digits(c + 1, e, 2)) c += 3;
            else if (digits(c, e, 2)) c += 2;
            else return 0;
        }
        if (c >= e || *c != ' ') return 0;
        *t0 = s, *t1 = c;
        if (!(*text = host_tag(c + 1, e, id0, id1))) return 0;
        *priority = v >= 0 ? v % 8 : 8;
        return 2;
    }
    if (v >= 0 || !word(s, e, DAYS, 7) || e - s < 8 || s[3] != ' ' || !word(s + 4, e, MONTHS, 12) || s[7] != ' ')
        return 0;
    /* keepalived's own file (`%a %b %d %T[.n] %Y: `) or logread (`%a %b %d %T %Y fac.level tag: `) */
    P c = day_clock(s + 8, e);
    if (!c) return 0;
    P f = fraction(c, e);
    if (e - f < 7 || f[0] != ' ' || !digits(f + 1, e, 4)) return 0;
    P y = f + 5;
    if (y < e - 1 && y[0] == ':' && y[1] == ' ') {
        *t0 = s, *t1 = y, *text = y + 2;
        return 5;
    }
    if (f != c || y >= e || *y != ' ') return 0;
    P q = y + 1, a = q;
    while (q < e && ((*q >= 'a' && *q <= 'z') || digit(*q))) q++;
    if (q == a || q >= e || *q != '.') return 0;
    P l0 = ++q;
    while (q < e && *q >= 'a' && *q <= 'z') q++;
    if (q == l0 || q >= e || *q != ' ') return 0;
    if (!(*text = tag(q + 1, e, id0, id1))) return 0;
    *t0 = s, *t1 = y;
    *priority = level(l0, q);
    return 6;
}

/* `\([^()\s]*?\.(?:c|h|cc|cpp)\.\d+\) ` at p (lighttpd's stamp, lines._STAMP) */
static int stamp(P p, P e) {
    if (p >= e || *p != '(') return 0;
    P q = p + 1;
    while (q < e && *q != '(' && *q != ')' && !space(*q)) q++;
    if (q + 1 >= e || *q != ')' || q[1] != ' ') return 0;
    P d = q;
    while (d > p + 1 && digit(d[-1])) d--;
    if (d == q || d[-1] != '.') return 0;
    P x = d - 1; /* the '.' before the line number; the extension ends here */
    static const char *ext[] = {"c", "h", "cc", "cpp"};
    for (int k = 0; k < 4; k++) {
        size_t n = strlen(ext[k]);
        if ((size_t)(x - (p + 1)) >= n + 1 && memcmp(x - n, ext[k], n) == 0 && x[-(long)n - 1] == '.') return 1;
    }
    return 0;
}

/* rsyslog's escape of a control character, `#(?:0[0-3][0-7]|177)`, or a carriage return in [p, e) */
static int escaped(P p, P e) {
    for (P q = p; q < e; q++) {
        if (*q == '\r') return 1;
        if (*q == '#' && e - q >= 4 &&
            ((q[1] == '0' && q[2] >= '0' && q[2] <= '3' && q[3] >= '0' && q[3] <= '7') ||
             (q[1] == '1' && q[2] == '7' && q[3] == '7')))
            return 1;
    }
    return 0;
}

/* A JSON string at p (`"...`): its end (past the closing quote), or NULL when it holds what this
 * reader leaves to Python: a \u escape, a newline once unescaped, a byte outside printable ASCII.
 * With `out`, the unescaped bytes are written there and *out moved past them. */
static P json_string(P p, P e, unsigned char **out) {
    static const char from[] = "\"\\/bfrt", to[] = "\"\\/\b\f\r\t";
    if (p >= e || *p != '"') return NULL;
    for (p++; p < e; p++) {
        unsigned char c = *p;
        if (c == '"') return p + 1;
        if (c < 0x20 || c > 0x7e) return NULL;
        if (c == '\\') {
            if (++p >= e) return NULL;
            const char *k = memchr(from, *p, sizeof from - 1);
            if (!k || !*p) return NULL; /* \n (a newline in a text), \u, or no escape at all */
            c = (unsigned char)to[k - from];
        }
        if (out) *(*out)++ = c;
    }
    return NULL;
}

static P json_space(P p, P e) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

/* A journal entry (journalctl -o json; systemd.journal-fields(7)) that is a flat object of strings
 * as this reader takes them (json_string), with MESSAGE, a non-empty SYSLOG_IDENTIFIER and
 * __REALTIME_TIMESTAMP: the three written to their buffers and the PRIORITY (0-7; 9 when it is
 * missing or not one digit 0-7), as Python's json reads them (blocks._journal; a key met twice is
 * its last value). Returns 1, or 0 (nothing written) for any other line: Python reads it. */
static int journal_entry(P p, P e, unsigned char **to, unsigned char **io, unsigned char **mo, int *priority) {
    P fields[4][2] = {{NULL, NULL}, {NULL, NULL}, {NULL, NULL}, {NULL, NULL}};
    static const char *names[] = {"MESSAGE", "SYSLOG_IDENTIFIER", "__REALTIME_TIMESTAMP", "PRIORITY"};
    p = json_space(p, e);
    if (p >= e || *p != '{') return 0;
    p = json_space(p + 1, e);
    if (p < e && *p == '}') return 0;
    for (;;) {
        P k = p, kend, v; /* a key: its bytes as written equal a name only when they hold no escape */
        if (!(kend = json_string(k, e, NULL))) return 0;
        p = json_space(kend, e);
        if (p >= e || *p != ':') return 0;
        v = json_space(p + 1, e);
        if (!(p = json_string(v, e, NULL))) return 0;
        size_t klen = (size_t)(kend - k) - 2;
        for (int f = 0; f < 4; f++)
            if (strlen(names[f]) == klen && memcmp(k + 1, names[f], klen) == 0) {
                fields[f][0] = v;
                fields[f][1] = p;
            }
        p = json_space(p, e);
        if (p < e && *p == ',') {
            p = json_space(p + 1, e);
            continue;
        }
        if (p >= e || *p != '}' || json_space(p + 1, e) != e) return 0;
        break;
    }
    if (!fields[0][0] || !fields[1][0] || !fields[2][0] || fields[1][1] - fields[1][0] == 2) return 0;
    json_string(fields[0][0], e, to);
    json_string(fields[1][0], e, io);
    json_string(fields[2][0], e, mo);
    *(*to)++ = '\n';
    *(*io)++ = '\n';
    *(*mo)++ = '\n';
    P q = fields[3][0];
    *priority = q && fields[3][1] - q == 3 && q[1] >= '0' && q[1] <= '7' ? q[1] - '0' : 9;
    return 1;
}

static unsigned char *put(unsigned char *out, P a, P b) {
    if (a && b > a) {
        memcpy(out, a, b - a);
        out += b - a;
    }
    *out++ = '\n';
    return out;
}

long srcscan_log_headers(const unsigned char *data, long len, unsigned char *codes, unsigned char *pris,
                         unsigned char *texts, unsigned char *idents, unsigned char *times, long *lens,
                         int32_t *starts) {
    P p = data, end = data + len;
    unsigned char *to = texts, *io = idents, *mo = times;
    long n = 0, no_ident = 0;
    while (p < end) {
        P e = memchr(p, '\n', end - p);
        P next = e ? e + 1 : end;
        if (!e) e = end;
        starts[n] = (int32_t)(p - data);
        starts[n + 1] = (int32_t)(e - data) + 1;
        P t0 = NULL, t1 = NULL, id0, id1, text = NULL;
        int priority;
        unsigned char *t = to;
        if (*p == '{' && journal_entry(p, e, &to, &io, &mo, &priority)) {
            codes[n] = (unsigned char)(JOURNAL | (*t == '(' ? 0x80 : 0)); /* a stamp? (as blocks.py looks) */
            pris[n++] = (unsigned char)priority;
            p = next;
            continue;
        }
        int form = header(p, e, &t0, &t1, &id0, &id1, &text, &priority);
        if (!form) {
            priority = 9;
            t0 = t1 = text = NULL;
            id0 = id1 = NULL;
        }
        int look = 0;
        if (form && text < e && (stamp(text, e) || escaped(text, e))) look = 0x80;
        codes[n] = (unsigned char)(form | look);
        pris[n] = (unsigned char)priority;
        to = put(to, text, form ? e : NULL);
        io = put(io, id0, id1);
        mo = put(mo, t0, t1);
        if (!id0) no_ident++;
        n++;
        p = next;
    }
    lens[0] = to - texts;
    lens[1] = io - idents;
    lens[2] = mo - times;
    lens[3] = no_ident;
    return n;
}

long srcscan_log_headers_version(void) { return 3; }

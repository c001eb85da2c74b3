"""diff pairs every message that survives a release: one fixture git repository, two tags per
kind of fault (a message moved to another file or into a helper, a short rewording, catalog
artefacts, repeats, generic templates, noise fields). The C files are written here, each
once with the lines only the old (`-`) or the new (`+`) release has."""

from dataclasses import replace
from pathlib import Path

import pytest
from diff_support import tagged_diffs

from srcscan.analyze.optiontypes import Option, OptionEffect
from srcscan.diff import build_formula, diff_catalogs, diff_to_dict
from srcscan.formats.template import render_normal

RULES = Path(__file__).parent.parent / "fixtures" / "diffpairs" / "rules.toml"
HEAD = "#include <syslog.h>\nvoid log_message(int priority, const char *format, ...);\n"

# kind -> {file: its two releases written once (diff_support.two_sides: `-` old only, `+` new only)}
RELEASES = {
    "moved": {
        "conn.c": """
-int connect_server(const char *host)
-{
-	log_message(LOG_ERR, "Unable to connect to server %s", host);
-	return -1;
-}
-void check_vrrp_name(const char *n) { log_message(LOG_ERR, "VRRP instance name too long: %s", n); }
-void check_vs_name(const char *n) { log_message(LOG_ERR, "Virtual server name too long: %s", n); }
-void check_rs_name(const char *n) { log_message(LOG_ERR, "Real server name too long: %s", n); }
+extern const char *kind_names[];
+static void name_too_long(const char *what, const char *n)
+{
+	log_message(LOG_ERR, "%s name too long: %s", what, n);
+}
+void check_name(int kind, const char *n) { name_too_long(kind_names[kind], n); }
+""",
        "net/tcp.c": """
+int tcp_connect(const char *host)
+{
+	log_message(LOG_ERR, "Unable to connect to server %s", host);
+	return -1;
+}
+""",
    },
    "reworded": {
        "net.c": """
int fcntl_ok(int fd);
int read_ok(int fd);
void setup(int fd, const char *path)
{
	if (fcntl_ok(fd) < 0)
-		log_message(LOG_ERR, "fcntl");
+		log_message(LOG_ERR, "fcntl()");
	if (read_ok(fd) < 0)
-		log_message(LOG_ERR, "read");
+		log_message(LOG_ERR, "read(\\"%s\\")", path);
	log_message(LOG_INFO, "ready");
}
""",
    },
    "artefacts": {
        "packet.c": """
void bad_packet(const char *addr)
{
-	log_message(LOG_WARNING, "bad packet from %s", addr);
+	static const char fmt[] = "bad packet from %s";
+	log_message(LOG_WARNING, fmt, addr);
}
""",
    },
    "repeats": {
        "range.c": """
void check(int a, int b)
{
+	log_message(LOG_INFO, "checking");
	if (a)
		log_message(LOG_INFO, "value out of range");
+	if (b > 1)
+		log_message(LOG_INFO, "value out of range");
	if (b)
		log_message(LOG_INFO, "value out of range");
}
""",
    },
    "generic": {
        "tls_a.c": """
void a_init(const char *what, const char *err)
{
-	log_message(LOG_ERR, "SSL: %s %s", what, err);
	log_message(LOG_INFO, "module a ready");
}
""",
        "tls_b.c": """
-void b_init(void)
+void b_init(const char *what, const char *err)
{
	log_message(LOG_INFO, "module b ready");
+	log_message(LOG_ERR, "SSL: %s %s", what, err);
}
""",
    },
    "into-helper": {
        "parse.c": """
int too_long(const char *n, int max);
+static int check_name(const char *n, int max, const char *type, const char *what)
+{
+	if (too_long(n, max)) {
+		log_message(LOG_ERR, "Error : %s %s name too long - ignored", type, what);
+		return 0;
+	}
+	return 1;
+}
void chain_handler(const char *in, const char *out)
{
-	if (too_long(in, 30))
-		log_message(LOG_ERR, "Error : iptables in chain name too long - ignored");
-	if (too_long(out, 30))
-		log_message(LOG_ERR, "Error : iptables out chain name too long - ignored");
+	check_name(in, 30, "iptables", "in chain");
+	check_name(out, 30, "iptables", "out chain");
}
void set_handler(const char *n)
{
-	if (too_long(n, 32))
-		log_message(LOG_ERR, "Error : ipset address name too long - ignored");
+	check_name(n, 32, "ipset", "address");
}
""",
    },
    "default-argument": {
        "parse.c": """
-void *alloc_vec(const char *buf);
+void *alloc_vec(const char *buf, const char *keywords);
-int level(const char *buf);
+int level(const char *buf, int depth);
void parse(const char *buf)
{
	void *vec;
-	if (!(vec = alloc_vec(buf)))
+	if (!(vec = alloc_vec(buf, NULL)))
		return;
	log_message(LOG_INFO, "parsed %s", buf);
-	if (level(buf) > 1)
+	if (level(buf, 1) > 1)
		log_message(LOG_INFO, "deep %s", buf);
}
""",
    },
    "extracted-exit": {
        "setup.c": """
int open_pid(const char *pidfile);
int init_net(void);
int init_tls(void);
int curves(void);
+static int pid_file_open(const char *pidfile)
+{
+	if (open_pid(pidfile) < 0) {
+		log_message(LOG_ERR, "opening pid-file failed: %s", pidfile);
+		return -1;
+	}
+	return 0;
+}
+static int new_feature(void)
+{
+	if (curves() < 0) {
+		log_message(LOG_ERR, "curves failed");
+		return -1;
+	}
+	return 0;
+}
int setup(const char *pidfile)
{
-	if (pidfile) {
-		if (open_pid(pidfile) < 0) {
-			log_message(LOG_ERR, "opening pid-file failed: %s", pidfile);
-			return -1;
-		}
-	}
+	if (pidfile && 0 != pid_file_open(pidfile))
+		return -1;
	if (init_net() < 0)
		log_message(LOG_ERR, "network init failed");
	return 0;
}
int setup_tls(void)
{
+	if (0 != new_feature())
+		return -1;
	if (init_tls() < 0)
		log_message(LOG_ERR, "tls init failed");
	return 0;
}
""",
    },
    "switch-copies": {
        "tls.c": """
int more(int fd);
int do_write(int fd);
int get_error(int wr);
unsigned long next_error(void);
const char *error_string(unsigned long err);
+static int write_err(int wr)
+{
+	unsigned long err;
+	int r;
+	switch ((r = get_error(wr))) {
+	  case 1:
+		/* perhaps an error is queued */
+		if (0 != (err = next_error())) {
+			log_message(LOG_ERR, "SSL: %d %s", wr, error_string(err)); /* the first */
+		}
+		else if (r == 2)
+			return 0; /* try again */
+		break;
+	  case 3:
+		return -2;
+	  default:
+		while ((err = next_error()))
+			log_message(LOG_ERR, "SSL: %d %s", wr, error_string(err)); /* each */
+		break;
+	}
+	return -1;
+}
int write_loop(int fd)
{
	while (more(fd)) {
		int wr = do_write(fd);
-		if (wr <= 0) {
-			unsigned long err;
-			switch (get_error(wr)) {
-			case 1:
-				if (0 != (err = next_error())) {
-					log_message(LOG_ERR, "SSL: %d %s", wr, error_string(err));
-				}
-				break;
-			default:
-				while ((err = next_error()))
-					log_message(LOG_ERR, "SSL: %d %s", wr, error_string(err));
-				break;
-			}
-			return -1;
-		}
+		if (wr <= 0)
+			return write_err(wr);
	}
	return 0;
}
""",
    },
    "folded-alternatives": {
        "pid.c": """
int open_excl(const char *p);
int open_trunc(const char *p);
int do_stat(const char *p);
int is_reg(const char *p);
int exists_error(void);
-int write_pid(const char *pidfile)
-{
-	if (open_excl(pidfile) < 0) {
-		if (!exists_error()) {
-			log_message(LOG_ERR, "opening pid-file failed: %s", pidfile);
-			return -1;
-		}
-		if (0 != do_stat(pidfile))
-			log_message(LOG_ERR, "stating existing pid-file failed: %s", pidfile);
-		if (!is_reg(pidfile)) {
-			log_message(LOG_ERR, "pid-file exists and isn't regular file: %s", pidfile);
-			return -1;
-		}
-		if (open_trunc(pidfile) < 0) {
-			log_message(LOG_ERR, "opening pid-file failed: %s", pidfile);
-			return -1;
-		}
-	}
-	return 0;
-}
+static int pid_file_open(const char *pidfile)
+{
+	if (open_excl(pidfile) >= 0)
+		return 0;
+	if (!exists_error() || 0 != do_stat(pidfile) || !is_reg(pidfile) || open_trunc(pidfile) < 0) {
+		log_message(LOG_ERR, "opening pid-file failed: %s", pidfile);
+		return -1;
+	}
+	return 0;
+}
+int write_pid(const char *pidfile)
+{
+	return pid_file_open(pidfile);
+}
int load(const char *path);
int load_crl(const char *path);
int set_file(int key, const char *path)
{
	switch (key) {
	case 1:
		if (load(path) < 0) {
			log_message(LOG_ERR, "%d = %s", key, path);
			return -1;
		}
		break;
-	case 2:
-		if (load_crl(path) < 0) {
-			log_message(LOG_ERR, "%d = %s", key, path);
-			return -1;
-		}
-		break;
	}
	return 0;
}
""",
    },
    "walks": {
        "frames.c": """
struct chunk { struct chunk *next; char *data; int len; };
struct queue { struct chunk *first; };
int queue_is_empty(struct queue *q);
int queue_peek(struct queue *q, char **data, int *len);
int debug;
int recv_frames(struct queue *q)
{
-	for (struct chunk *c = q->first; c; c = c->next) {
-		char *frame = c->data;
-		int flen = c->len;
+	while (!queue_is_empty(q)) {
+		char *frame;
+		int flen;
+		if (0 != queue_peek(q, &frame, &flen))
+			return -1;
		for (int i = 0; i < flen; i++) {
			if (frame[i] == 0 && debug)
				log_message(LOG_DEBUG, "empty frame");
		}
	}
	return 0;
}
int count(int *v, int n)
{
-	for (int i = 0; i < n && i <= 2; i++) {
+	for (int i = 0; i < n; i++) {
		if (v[i] < 0)
			log_message(LOG_ERR, "negative value %d", v[i]);
	}
	return 0;
}
""",
    },
    "beside": {
        "vs.c": """
struct vs { int rs; int ha; };
-void validate(struct vs *vs)
-{
-	if (vs->ha)
-		log_message(LOG_INFO, "ha_suspend with fwmarks");
-	if (!vs->rs)
-		log_message(LOG_INFO, "Virtual server has no real servers");
-}
+void vs_end(struct vs *current_vs)
+{
+	if (!current_vs->rs)
+		log_message(LOG_INFO, "Virtual server has no real servers");
+}
""",
    },
    "walked-containers": {
        "check.c": """
struct list { void *first; };
#define list_for_each_entry(pos, head, member) for (pos = (void *)(head)->first; pos; pos = (void *)pos->member)
struct checker { int up; struct checker *next; };
struct rs { struct list checkers; struct rs *next; };
struct vs { struct list rs; struct vs *next; };
struct data { struct list vs; };
extern struct data *check_data;
-extern struct list checkers_queue;
static void dump_checker(const struct checker *checker)
{
	log_message(LOG_INFO, "Up = %d", checker->up);
}
-static void dump_checker_list(const struct list *l)
-{
-	struct checker *checker;
-
-	list_for_each_entry(checker, l, next)
-		dump_checker(checker);
-}
-void dump_checkers(void)
-{
-	dump_checker_list(&checkers_queue);
-}
+void dump_checkers(void)
+{
+	struct vs *vs;
+	struct rs *rs;
+	struct checker *checker;
+
+	list_for_each_entry(vs, &check_data->vs, next) {
+		list_for_each_entry(rs, &vs->rs, next) {
+			list_for_each_entry(checker, &rs->checkers, next) {
+				dump_checker(checker);
+			}
+		}
+	}
+}
""",
    },
    "check-moved": {
        "vs.c": """
struct vs { int rs; int sched; };
void vs_end(struct vs *vs)
{
	if (vs->sched > 9)
		log_message(LOG_INFO, "scheduler too large");
+	if (!vs->rs)
+		log_message(LOG_INFO, "Virtual server has no real servers - ignoring");
}
void validate(struct vs *vs)
{
-	if (!vs->rs) {
-		log_message(LOG_INFO, "Virtual server has no real servers - ignoring");
-		return;
-	}
	if (!vs->sched)
		log_message(LOG_INFO, "no scheduler set");
}
""",
    },
    "member-local": {
        "bfd.c": """
#define CONTROL_PORT 3784
struct bfd { int fd_in; };
int open_socket(int port);
-void open_in(struct bfd *data)
+void open_in(struct bfd *data, int port)
{
-	if ((data->fd_in = open_socket(CONTROL_PORT)) == -1)
+	int fd_in;
+	if ((fd_in = open_socket(port)) == -1)
		log_message(LOG_ERR, "socket() error");
+	data->fd_in = fd_in;
}
""",
    },
    "null-test": {
        "track.c": """
struct tf { const char *fname; };
-static struct tf *cur_tf;
+static struct tf *current_tf;
int bad(const char *w);
void init_handler(const char *w)
{
-	if (!cur_tf)
-		return;
	if (bad(w))
-		log_message(LOG_INFO, "Track file %s init value %s is invalid", cur_tf->fname, w);
+		log_message(LOG_INFO, "Track file %s init value %s is invalid", current_tf->fname, w);
}
void weight_handler(const char *w, struct tf *tf)
{
-	if (tf && bad(w))
+	if (bad(w))
		log_message(LOG_INFO, "weight %s is invalid", w);
}
""",
    },
    "member-object": {
        "staple.c": """
struct kp { int must_staple; };
struct pc { struct kp *kp; int must_staple; int stapling; const char *file; };
void expire(struct pc *pc)
{
+	struct kp *kp = pc->kp;
	if (!pc->stapling)
		return;
-	if (pc->must_staple)
+	if (kp->must_staple)
		log_message(LOG_ERR, "certificate marked OCSP Must-Staple, but response expired from %s", pc->file);
}
""",
    },
    "folded-prefix": {
        "conf.c": """
int load(const char *p, int limit);
int too_big(void);
void read_stdin(void)
{
-	if (too_big())
-		log_message(LOG_ERR, "config read from stdin is way too large");
-	else if (load("-", 0) < 0)
+	if (load("-", 65536) < 0)
		log_message(LOG_ERR, "config read from stdin");
}
""",
    },
    "helper-call": {
        "cgi.c": """
int make_pipe(int *fds);
int set_nb(int fd);
int spawn(void);
+static void dump_script(const char *type, const char *state, const char *path)
+{
+	log_message(LOG_INFO, "%s %s script = %s", type, state, path);
+}
void dump_rs(const char *up, const char *down)
{
-	log_message(LOG_INFO, "RS up script = %s", up);
-	log_message(LOG_INFO, "RS down script = %s", down);
+	dump_script("RS", "up", up);
+	dump_script("RS", "down", down);
+}
+void set_string(const char **var, const char *value, const char *param_name)
+{
+	if (*var)
+		log_message(LOG_INFO, "Duplicate %s - overwriting %s with %s", param_name, *var, value);
+	*var = value;
}
static void ssl_file(const char **file_name, const char *value, const char *type)
{
-	if (*file_name)
-		log_message(LOG_INFO, "SSL %s already specified - replacing", type);
-	*file_name = value;
+	set_string(file_name, value, "SSL");
}
void ssl_key(const char **f, const char *v) { ssl_file(f, v, "keyfile"); }
void ssl_cert(const char **f, const char *v) { ssl_file(f, v, "certfile"); }
int too_long(const char *n);
+static int name_check(const char *n, const char *type, const char *log_name)
+{
+	if (too_long(n)) {
+		log_message(LOG_INFO, "VRRP Error : %s %s name too long - ignored", type, log_name);
+		return 0;
+	}
+	return 1;
+}
+static int chain_check(const char *n, const char *log_name) { return name_check(n, "nftables", log_name); }
void chain_handler(const char *n)
{
-	if (too_long(n))
-		log_message(LOG_INFO, "ipvs nftables table name too long - ignoring");
+	chain_check(n, "ipvs chain");
+}
+static int create_err(const char *msg)
+{
+	if (msg)
+		log_message(LOG_ERR, "%s", msg);
+	return -1;
}
int create_env(int *in, int *out)
{
-	if (make_pipe(in)) {
-		log_message(LOG_ERR, "pipe failed");
-		return -1;
-	}
-	if (make_pipe(out)) {
-		log_message(LOG_ERR, "pipe failed");
-		return -1;
-	}
+	if (make_pipe(in))
+		return create_err("pipe()");
+	if (make_pipe(out))
+		return create_err("pipe()");
+	if (set_nb(out[0]) < 0)
+		return create_err("fcntl()");
	if (spawn() < 0) {
		log_message(LOG_ERR, "spawn failed");
-		return -1;
-	}
-	if (set_nb(out[0]) < 0) {
-		log_message(LOG_ERR, "fcntl failed");
		return -1;
	}
	return 0;
}
""",
    },
    "guard": {
        "net.c": """
int do_bind(int fd);
int do_listen(int fd);
int server_init(int fd, const char *host)
{
-	if (do_listen(fd) < 0) {
+	int rc = 0;
+	/* bind first, then listen */
+	if (0 != do_bind(fd)) {
+		log_message(LOG_ERR, "bind() %s", host);
+		rc = -1;
+	}
+	else if (do_listen(fd) < 0) {
		log_message(LOG_ERR, "listen failed");
-		return -1;
+		rc = -1;
	}
-	if (0 != do_bind(fd)) {
-		log_message(LOG_ERR, "can't bind to socket: %s", host);
-		return -1;
-	}
-	return 0;
+	return rc;
}
""",
    },
    "split": {
        "connections.c": """
-int bad_chars(const char *s);
-int too_long(const char *s);
-void read_post_chunked(const char *s)
-{
-	if (bad_chars(s))
-		log_message(LOG_ERR, "chunked header invalid chars -> 400");
-	if (too_long(s))
-		log_message(LOG_ERR, "request-size too long: %d -> 413", 1);
-}
-void read_body_unknown(const char *s)
-{
-	if (too_long(s))
-		log_message(LOG_ERR, "request-size too long: %d -> 413", 2);
-}
-#ifdef WITH_MMAP
+#if 0
void deflate_mmap(int rc)
{
	if (rc)
		log_message(LOG_ERR, "compress failed.");
}
#endif
void deflate_response(int rc)
{
	if (rc)
		log_message(LOG_ERR, "compress failed.");
}
-void check_timeout(int h2, int rused, int idle)
-{
-	if (h2 && rused)
-		log_message(LOG_INFO, "keep-alive timeout: %d", 1);
-	if (!h2 && idle)
-		log_message(LOG_INFO, "keep-alive timeout: %d", 2);
-}
void set_defaults(int key, const char *k, const char *v)
{
	if (key == 1)
		log_message(LOG_ERR, "%s = %s", k, v);
-	if (key == 2)
-		log_message(LOG_ERR, "%s = %s", k, v);
}
""",
        "h1.c": """
+int bad_chars(const char *s);
+int too_long(const char *s);
+void h1_chunked(const char *s)
+{
+	if (bad_chars(s))
+		log_message(LOG_ERR, "chunked header invalid chars -> 400");
+	if (too_long(s))
+		log_message(LOG_ERR, "request-size too long: %d -> 413", 1);
+}
+void h1_read_body_unknown(const char *s)
+{
+	if (too_long(s))
+		log_message(LOG_ERR, "request-size too long: %d -> 413", 2);
+}
+void h1_check_timeout(int idle)
+{
+	if (idle)
+		log_message(LOG_INFO, "keep-alive timeout: %d", 2);
+}
+""",
        "h2.c": """
+void h2_check_timeout(int rused)
+{
+	if (rused)
+		log_message(LOG_INFO, "keep-alive timeout: %d", 1);
+}
+""",
    },
    "conditions": {
        "bfd.c": """
int parse_alpha(const char *s);
void alpha_handler(int have_checker, const char *s)
{
-	if (!have_checker)
-		return;
	if (parse_alpha(s) < 0)
		log_message(LOG_INFO, "Invalid alpha parameter %s", s);
}
""",
    },
    "variants": {
        "check_http.c": """
static void timeout_epilog(const char *debug_msg, const char *name)
{
	log_message(LOG_INFO, "%s server %s.", debug_msg, name);
}
void http_read(int t, const char *name) { if (t) timeout_epilog("Timeout HTTP read", name); }
-void http_write(int t, const char *name) { if (t) timeout_epilog("Timeout WEB write", name); }
int try_open(const char *path);
void make_name(char *full, const char *name);
void open_dump_file(const char *file_name)
{
+	char full_file_name[64];
+	make_name(full_file_name, file_name);
-	if (!try_open(file_name))
-		log_message(LOG_INFO, "Can't open dump file %s", file_name);
+	if (!try_open(full_file_name))
+		log_message(LOG_INFO, "Can't open dump file %s", full_file_name);
}
void dump_vrrp(void) { open_dump_file("keepalived.data"); }
void dump_check(void) { open_dump_file("keepalived_check.data"); }
void dump_bfd(void) { open_dump_file("keepalived_bfd.data"); }
""",
    },
    "folded": {
        "vrrp.c": """
struct pkt { int naddr; int type; };
struct vrrp { const char *iname; unsigned vip_cnt; };
int check_packet(const struct pkt *hd, const struct vrrp *vrrp, int check_vip_addr)
{
-	if (check_vip_addr && hd->naddr != vrrp->vip_cnt) {
-		log_message(LOG_INFO, "(%s) received an unexpected ip number count %u, expected %u!",
-			    vrrp->iname, hd->naddr, vrrp->vip_cnt);
-		return -1;
-	}
	if (hd->type != 1) {
		log_message(LOG_INFO, "(%s) Invalid packet type. %d", vrrp->iname, hd->type);
		return -1;
	}
	if (hd->naddr != vrrp->vip_cnt) {
		log_message(LOG_INFO, "(%s) expected %u VIPs but received %u", vrrp->iname, vrrp->vip_cnt, hd->naddr);
		return -1;
	}
	return 0;
}
""",
    },
    "rewritten-guard": {
        "network_write.c": """
long do_sendfile(int fd, long n);
int err(void);
-int write_chunk(int fd, long toSend)
+int write_chunk(int fd, long nbytes)
{
	long wr;
-	if (toSend <= 0)
+	if (nbytes <= 0)
		return 0;
-	if ((long)-1 == (wr = do_sendfile(fd, toSend)) && err() != 11)
+	if (-1 == (wr = do_sendfile(fd, nbytes)) && err() != 11 && err() != 16)
		log_message(LOG_ERR, "sendfile(): fd: %d", fd);
-	if ((long)0 == wr)
+	if (0 == wr)
		log_message(LOG_ERR, "sendfile(): fd: %d file truncated", fd);
	return 0;
}
""",
    },
    "equivalent-guards": {
        "guards.c": """
#include <netinet/in.h>
#define PROTO_NONE 0
struct vs { int service_type; };
struct req { int status; const char *path; int async; };
int config(struct req *r);
int init(void);
int open_db(int x);
int create(int x);
#include <fcntl.h>
#include <stdio.h>
void read_state(const char *path)
{
	int fd;
	FILE *f;
-	if ((fd = open(path, O_RDONLY)) == -1)
+	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		log_message(LOG_INFO, "Unable to open %s", path);
-	if (!(f = fopen(path, "w")))
+	if (!(f = fopen(path, "we")))
		log_message(LOG_INFO, "Unable to create %s", path);
-	if ((fd = open(path, O_RDONLY)) == -1)
+	if ((fd = open(path, O_RDONLY | O_NONBLOCK)) == -1)
		log_message(LOG_INFO, "Unable to reopen %s", path);
}
void dump_vs(struct vs *vs)
{
-	if (vs->service_type == 0)
+	if (vs->service_type == IPPROTO_IP)
		log_message(LOG_INFO, "   protocol = none");
-	if (vs->service_type != PROTO_NONE)
+	if (vs->service_type != 0)
		log_message(LOG_INFO, "   protocol = %d", vs->service_type);
-	if (vs->service_type == IPPROTO_TCP)
+	if (vs->service_type == IPPROTO_UDP)
		log_message(LOG_INFO, "   protocol = TCP or UDP");
}
int prepare(struct req *r)
{
	int rc;
-	if (!r->path) {
+	if (__builtin_expect((!r->path), 1)) {
		log_message(LOG_DEBUG, "path unset");
+#if 0
		if (!r->async) {
+#endif
			rc = config(r);
			if (0 != rc) return rc;
+#if 0
		}
+#endif
		if (r->status)
			log_message(LOG_DEBUG, "URI-path (clean): %s", r->path);
	}
	return 0;
}
int send_message(void *msg, int sock)
{
-	if (!sock) return -1;
	if (!msg) return 0;
+	if (!sock) return -1;
	log_message(LOG_INFO, "Setting callback function failed");
	return 0;
}
int sqlite_init(int x)
{
	int rc;
+	rc = init();
+	if (rc != 0) return 0;
	rc = open_db(x);
	if (rc != 0) return 0;
	if (create(x) != 0)
		log_message(LOG_ERR, "create table: %d", x);
	return 1;
}
int err_no(void);
void send_chunk(int fd)
{
	switch (err_no()) {
	case 11:
	case 4:
		return;
+#ifdef __FreeBSD__
+	case 16:
+		return;
+#endif
	default:
		log_message(LOG_ERR, "sendfile(): fd: %d", fd);
		return;
	}
}
void write_chunk(int fd)
{
	switch (err_no()) {
	case 11:
		return;
	default:
		log_message(LOG_ERR, "write(): fd: %d", fd);
	}
}
void vmac_handler(int n, char **v)
{
	int i;
-	for (i = 1; i < n && i <= 2; i++) {
+	for (i = 1; i < n; i++) {
		if (v[i][0] == ':')
			log_message(LOG_ERR, "VMAC invalid MAC address %s", v[i]);
	}
}
""",
        "names.c": """
-void iptables_in(const char *n) { if (n[30]) log_message(LOG_ERR, "VRRP Error : iptables in chain name too long - ignored"); }
-void iptables_out(const char *n) { if (n[30]) log_message(LOG_ERR, "VRRP Error : iptables out chain name too long - ignored"); }
+static void check_name(const char *type, const char *what, const char *n)
+{
+	if (n[30])
+		log_message(LOG_ERR, "VRRP Error : %s %s name too long - ignored", type, what);
+	else if (!n[0])
+		log_message(LOG_ERR, "VRRP Error : %s %s name empty - ignored", type, what);
+}
+void iptables_in(const char *n) { check_name("iptables", "in chain", n); }
+void iptables_out(const char *n) { check_name("iptables", "out chain", n); }
""",
    },
    "build-split": {
        "vrrp.c": """
#include <sys/socket.h>
#include <netinet/in.h>
int setopt(int fd, int level, int name);
int open_socket(int fd, int family)
{
#if !HAVE_DECL_IPV6_FREEBIND
	if (family == AF_INET6) {
		if (setopt(fd, IPPROTO_IPV6, 75))
			log_message(LOG_INFO, "IPV6_TRANSPARENT failed");
-	} else
-#endif
+	} else if (setopt(fd, IPPROTO_IP, 15))
+		log_message(LOG_INFO, "IP_FREEBIND failed %d", fd);
+#else
	if (setopt(fd, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6, family == AF_INET ? 15 : 78))
		log_message(LOG_INFO, "IP%s_FREEBIND failed %d", family == AF_INET ? "" : "V6", fd);
+#endif
	return fd;
}
int verbose;
void close_socket(int fd, int family)
{
+#if !HAVE_DECL_SO_LINGER
+	if (verbose && setopt(fd, family, 13))
+		log_message(LOG_INFO, "SO_LINGER failed %d", fd);
+#else
	if (setopt(fd, family, 13))
		log_message(LOG_INFO, "SO_LINGER failed %d", fd);
+#endif
}
""",
    },
    "rewrites": {"tls.c": """
int next_error(void);
int peek_error(void);
-int write_err(int ssl_r, int wr, int e)
+int write_err(int ssl_err, int wr, int e, const char *addr)
{
	int err;
-	switch (ssl_r) {
+	switch (ssl_err) {
	case 1:
		return 0;
	case 5:
-		if (0 != (err = next_error())) {
-			do {
-				log_message(LOG_ERR, "SSL: %d %d %d", ssl_r, wr, err);
-			} while ((err = next_error()));
-		}
-		else if (wr == -1) {
-			switch (e) {
-			case 11:
-				return 0;
-			default:
-				log_message(LOG_ERR, "SSL: %d %d", ssl_r, wr);
-				break;
-			}
-		}
+		switch (e) {
+		case 11:
+			return 0;
+		default:
+			if (0 == peek_error())
+				log_message(LOG_ERR, "SSL: addr:%s ssl_err:%d wr:%d errno:%d", addr, ssl_err, wr, e);
+			break;
+		}
		break;
	default:
-		while ((err = next_error()))
-			log_message(LOG_ERR, "SSL: %d %d %d", ssl_r, wr, err);
		break;
	}
+	while ((err = next_error()))
+		log_message(LOG_ERR, "SSL: addr:%s ssl_err:%d %d", addr, ssl_err, err);
	return -1;
}
void flush(int n)
{
-	if (n > 1)
-		log_message(LOG_INFO, "cache flushed");
+	if (n > 2)
+		log_message(LOG_INFO, "listener ready");
}
void dump(int state, int version, int counter, int advert)
{
	if (state == 2) {
		log_message(LOG_INFO, "   State = %d", state);
-		if (version == 3)
-			log_message(LOG_INFO, "   Master advert int = %d sec", advert);
-	}
+	} else if (state == 1)
+		log_message(LOG_INFO, "   Rogue master counter = %d", counter);
}
""",
"ws.c": """
void recv_frame(int state, unsigned siz, unsigned flen, int debug)
{
	switch (state) {
	case 1:
-		if (siz == 0) {
-			if (debug) log_message(LOG_DEBUG, "specified payload size=%x", siz);
-		} else if (siz == 126) {
-			siz = 0;
-		} else {
-			if (debug) log_message(LOG_DEBUG, "specified payload size=%x", siz);
-		}
+		if (debug) log_message(LOG_DEBUG, "frame type=%s, specified payload size=%u", "text", siz);
		break;
	case 2:
-		if (siz <= flen) {
-			if (debug) log_message(LOG_DEBUG, "read payload, size=%x", siz);
-			if (debug) log_message(LOG_DEBUG, "rest of frame size=%x", flen - siz);
-		} else {
-			if (debug) log_message(LOG_DEBUG, "read payload, size=%x", flen);
-			if (debug) log_message(LOG_DEBUG, "rest of payload size=%x", siz - flen);
-		}
+		if (debug) log_message(LOG_DEBUG, "recv payload, size=%u; remaining payload size=%u", flen, siz);
		break;
	}
}
"""
    },
    "helper-caller": {"gw.c": """
#include <errno.h>
int backend_write(int fd, int errh);
int wsa_error(void);
struct ctx { int state; int fd; int errh; };
+static int write_error(struct ctx *c)
+{
+#ifdef _WIN32
+	switch (wsa_error())
+#else
+	switch (errno)
+#endif
+	{
+#ifdef _WIN32
+	case 10054:
+#else
+	case EPIPE:
+#endif
+		return -2;
+	default:
+		log_message(LOG_ERR, "write failed");
+		return -1;
+	}
+}
+static void read_error(int fd)
+{
+	log_message(LOG_ERR, "read failed: %d", fd);
+}
int write_request(struct ctx *c)
{
	switch (c->state) {
	case 1:
		if (c->fd > 0) {
-			const int errh = c->errh;
-			if (backend_write(c->fd, errh) < 0) {
-				switch (errno) {
-				case EPIPE:
-					return -2;
-				default:
-					log_message(LOG_ERR, "write failed");
-					return -1;
-				}
-			}
+			if (backend_write(c->fd, c->errh) < 0) {
+				return write_error(c);
+			}
		}
	}
	return 0;
}
int read_response(struct ctx *c)
{
-	if (c->fd < 0)
-		log_message(LOG_ERR, "read failed: %d", c->fd);
+	if (c->fd < 0)
+		read_error(c->fd);
+	if (c->state == 2)
+		read_error(c->fd);
	return 0;
}
"""
    },
    "shared": {
        "xsend.c": """
int under_docroot(const char *path);
int valid_utf8(const char *path);
int bad_range(const char *path);
int range_end(const char *path);
+static int path_check(const char *path, int docroot)
+{
+	if (!valid_utf8(path)) {
+		log_message(LOG_ERR, "X-Sendfile: invalid UTF-8 after url-decode: %s", path);
+		return 502;
+	}
+	if (docroot && !under_docroot(path)) {
+		log_message(LOG_ERR, "X-Sendfile: file not under configured x-sendfile-docroot(s): %s", path);
+		return 403;
+	}
+	return 0;
+}
int xsendfile(const char *path, int docroot)
{
-	if (!valid_utf8(path)) {
-		log_message(LOG_ERR, "X-Sendfile invalid UTF-8 after url-decode: %s", path);
-		return 502;
-	}
-	if (docroot && !under_docroot(path)) {
-		log_message(LOG_ERR, "X-Sendfile (%s) not under configured x-sendfile-docroot(s)", path);
-		return 403;
-	}
-	return 0;
+	return path_check(path, docroot);
}
int open_file(const char *path);
int xsendfile2(const char *path, int docroot)
{
	int status = 0;
	while (*path) {
-		if (!valid_utf8(path)) {
-			log_message(LOG_ERR, "X-Sendfile2 invalid UTF-8 after url-decode: %s", path);
+		status = path_check(path, docroot);
+		if (status) break;
+		if (range_end(path) < 0) {
+			log_message(LOG_ERR, "X-Sendfile2: could not decode range after filename: %s", path);
			status = 502;
			break;
		}
-		if (docroot && !under_docroot(path)) {
-			log_message(LOG_ERR, "X-Sendfile2 (%s) not under configured x-sendfile-docroot(s)", path);
-			status = 403;
-			break;
-		}
		if (!open_file(path)) {
			log_message(LOG_ERR, "send-file error: couldn't open %s", path);
			status = 404;
			break;
		}
-		if (bad_range(path)) {
-			log_message(LOG_ERR, "Couldn't decode range after filename: %s", path);
-			status = 502;
-			break;
-		}
		path++;
	}
	return status;
}
int xsendfile3(const char *path, int docroot)
{
-	if (docroot && !under_docroot(path)) {
-		log_message(LOG_ERR, "X-Sendfile3 (%s) not under configured x-sendfile-docroot(s)", path);
-		return 403;
-	}
	return 0;
}
""",
        "ws.c": """
static const char * const frame_types[] = { "text", "binary", "close" };
-int send_ietf(int fd, unsigned siz, int debug)
+int send_ietf(int fd, unsigned siz)
{
-	if (debug)
-		log_message(LOG_DEBUG, "send data to client (fd=%d), frame size=%x", fd, siz);
	return siz ? 0 : -1;
}
-int send_rfc(int fd, unsigned siz, int debug)
+int send_rfc(int fd, int type, unsigned siz)
{
-	switch (siz) {
-	case 0:
-		if (debug) log_message(LOG_DEBUG, "type = text");
-		break;
-	case 1:
-		if (debug) log_message(LOG_DEBUG, "type = binary");
-		break;
-	default:
-		if (debug) log_message(LOG_DEBUG, "type = continue");
-		break;
-	}
-	if (debug)
-		log_message(LOG_DEBUG, "payload size=%x", siz);
-	if (debug)
-		log_message(LOG_DEBUG, "send data to client (fd=%d), frame size=%x", fd, siz);
	return siz > 1 ? 0 : -1;
}
int frame_send(int fd, int type, int version, unsigned siz, int debug)
{
-	return version ? send_rfc(fd, siz, debug) : send_ietf(fd, siz, debug);
+	if (debug)
+		log_message(LOG_DEBUG, "send to client (fd=%d), frame type=%s, payload size=%u", fd, frame_types[type], siz);
+	return version ? send_rfc(fd, type, siz) : send_ietf(fd, siz);
}
""",
        "frames.c": """
#define BUFMAX 0xfffff
+static int frame_err(int code, const char *err)
+{
+	if (err)
+		log_message(LOG_ERR, "%s", err);
+	return code;
+}
int recv_ietf(unsigned siz, int last)
{
-	if (last) {
-		if (siz > BUFMAX) {
-			log_message(LOG_WARNING, "frame size has been exceeded: %x", BUFMAX);
-			return -1;
-		}
-	} else {
-		if (siz > BUFMAX) {
-			log_message(LOG_WARNING, "frame size has been exceeded: %x", BUFMAX);
-			return -1;
-		}
-	}
+	if (siz > BUFMAX)
+		return frame_err(1002, "frame size has exceeded 0xfffff");
	return 0;
}
int recv_rfc(unsigned siz, int type)
{
-	if (type == 9 && siz > BUFMAX) {
-		log_message(LOG_WARNING, "frame size has been exceeded: %x", BUFMAX);
-		return -1;
-	}
+	if (type & 8)
+		return frame_err(1002, "control frame size invalid");
	return 0;
}
""",
        "tls.c": """
int next_error(void);
int peek_error(void);
-int write_err(int ssl_r, int wr, int e)
+int write_err(int ssl_err, int wr, int e, const char *addr)
{
	int err;
-	switch (ssl_r) {
+	switch (ssl_err) {
	case 1:
		return 0;
	case 5:
-		if (0 != (err = next_error())) {
-			do {
-				log_message(LOG_ERR, "SSL: %d %d %d", ssl_r, wr, err);
-			} while ((err = next_error()));
-		}
-		else if (wr == -1) {
-			switch (e) {
-			case 11:
-				return 0;
-			default:
-				log_message(LOG_ERR, "SSL: %d %d", ssl_r, wr);
-				break;
-			}
-		}
-		else {
-			log_message(LOG_ERR, "SSL (error): %d %d", ssl_r, wr);
-		}
+		switch (e) {
+		case 11:
+			return 0;
+		default:
+			if (0 == peek_error())
+				log_message(LOG_ERR, "SSL: addr:%s ssl_err:%d wr:%d errno:%d", addr, ssl_err, wr, e);
+			break;
+		}
		break;
	default:
-		while ((err = next_error()))
-			log_message(LOG_ERR, "SSL: %d %d %d", ssl_r, wr, err);
		break;
	}
+	while ((err = next_error()))
+		log_message(LOG_ERR, "SSL: addr:%s ssl_err:%d %d", addr, ssl_err, err);
	return -1;
}
int parse_range(const char *name, const char *range, int n)
{
	if (!range) {
-		log_message(LOG_ERR, "Couldn't find range after filename: %s", name);
+		log_message(LOG_ERR, "X-Sendfile2: could not find range after filename: %s", name);
		return 502;
	}
	if (n < 0)
		return 0;
-	if (n > 10) {
-		log_message(LOG_ERR, "Couldn't decode range after filename: %s", name);
-		return 502;
-	}
	return n;
}
""",
    },
    "local-copy": {
        "ldap.c": """
#include <unistd.h>
#include <fcntl.h>
#include <sys/epoll.h>
struct conf { int allow_empty_pw; const char *filter; const char *basedn; };
struct plugin { struct conf conf; struct conf defaults; };
-void patch_config(struct plugin *p);
+void patch_config(struct plugin *p, struct conf *pconf);
int ldap_basic(struct plugin *p, const char *pw)
{
-	patch_config(p);
-	if (pw[0] == '\\0' && !p->conf.allow_empty_pw)
+	struct conf pconf;
+	patch_config(p, &pconf);
+	if (pw[0] == '\\0' && !pconf.allow_empty_pw)
		return 401;
-	if (!p->conf.filter)
+	if (!pconf.filter)
		log_message(LOG_ERR, "ldap: auth.backend.ldap.filter not set");
-	if (!p->conf.basedn)
+	if (!pconf.filter)
		log_message(LOG_ERR, "ldap: auth.backend.ldap.base-dn not set");
	return 0;
}
void run_perf(const char *path, int fds[2])
{
	int ep, fd;
-	if ((ep = epoll_create(1)) == -1)
+	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		log_message(LOG_INFO, "perf epoll_create failed");
-	if (pipe(fds) == -1)
+	if (pipe2(fds, O_CLOEXEC) == -1)
		log_message(LOG_INFO, "perf pipe failed");
-	if ((fd = open(path, O_RDONLY)) == -1)
+	if ((fd = openat(AT_FDCWD, path, O_RDONLY)) == -1)
		log_message(LOG_INFO, "perf open failed");
}
""",
    },
    "noise": {
        "opts.c": """
#include <getopt.h>
int debug;
+static void set_flag(int *where, int bit) { *where |= bit; }
void parse(int argc, char **argv)
{
	int c;
-	while ((c = getopt(argc, argv, "dqx")) != -1) {
+	while ((c = getopt(argc, argv, "dvx")) != -1) {
		switch (c) {
		case 'd':
			debug |= 1;
-			debug |= 4;
+			set_flag(&debug, 4);
			break;
		case 'x':
			debug |= 32;
			break;
-		case 'q':
+		case 'v':
			debug |= 16;
			break;
		}
	}
}
static void report(const char *what)
{
	log_message(LOG_DEBUG, "report %s", what);
}
void run(void)
{
-	if (debug & 32)
+	if (debug & 1)
		report("state");
-#if defined(WITH_A) && defined(WITH_B)
+#if defined WITH_B && defined(WITH_A)
	log_message(LOG_INFO, "both features");
#endif
	if (debug & 4)
		log_message(LOG_DEBUG, "debugging");
	if (debug & 16)
		log_message(LOG_DEBUG, "quiet");
}
int main(int argc, char **argv)
{
	parse(argc, argv);
	run();
	return 0;
}
""",
    },
    "ws-recv": {
        "ws.c": """
enum { OP_CONT = 0, OP_TEXT = 1, OP_BIN = 2, OP_CLOSE = 8, OP_PING = 9 };
int debug;
+static const char * const type_names[] = { "text", "binary", "close", "ping" };
+static int ws_err(int code, const char *err)
+{
+	if (err)
+		log_message(LOG_ERR, "%s", err);
+	return -code;
+}
int recv_frames(const unsigned char *frame, int n)
{
	int state = 0, type = 0;
	for (int i = 0; i < n; i++) {
		switch (state) {
		case 0:
			switch (frame[i] & 0x0f) {
			case OP_CONT:
-				if (debug)
-					log_message(LOG_DEBUG, "%s", "type = continue");
				break;
			case OP_TEXT:
-				if (debug)
-					log_message(LOG_DEBUG, "%s", "type = text");
-				type = 0;
-				break;
			case OP_BIN:
-				if (debug)
-					log_message(LOG_DEBUG, "%s", "type = binary");
-				type = 1;
+				type = frame[i] & 0x0f;
				break;
			case OP_CLOSE:
-				if (debug)
-					log_message(LOG_DEBUG, "%s", "type = close");
-				return -1;
+				return ws_err(1000, 0);
			case OP_PING:
-				if (debug)
-					log_message(LOG_DEBUG, "%s", "type = ping");
-				type = 3;
+				if (0 == (frame[i] & 0x80))
+					return ws_err(1002, "control frame fragmented");
				break;
			default:
-				log_message(LOG_ERR, "%s", "type is invalid");
-				return -1;
+				return ws_err(1002, "frame type invalid");
			}
			state = 1;
			break;
		case 1:
			if (debug)
-				log_message(LOG_DEBUG, "specified payload size=%x", frame[i]);
+				log_message(LOG_DEBUG, "frame type=%s, specified payload size=%u", type_names[type], frame[i]);
			state = 0;
			break;
		}
	}
	return type;
}
int recv_old_frames(const unsigned char *frame, int n)
{
	for (int i = 0; i < n; i++) {
-		if (frame[i] == 0x00)
-			continue;
-		else if (frame[i] == 0xff) {
-			log_message(LOG_DEBUG, "%s", "recv close frame");
-			return -1;
-		}
-		else {
-			log_message(LOG_DEBUG, "%s", "recv invalid frame");
-			return -1;
-		}
+		if (frame[i] != 0x00)
+			return (frame[i] == 0xff) ? ws_err(1000, 0) : ws_err(1002, "frame type invalid");
	}
	return 0;
}
""",
    },
    "macro-call": {
        "trace.c": """
void log_debug(const char *format, ...);
-#define TRACE(fmt, ...) log_message(LOG_ERR, fmt, __VA_ARGS__)
+#define TRACE(fmt, ...) log_debug(fmt, __VA_ARGS__)
void frames(int n)
{
	if (n > 4)
		TRACE("specified payload size=%x", n);
}
""",
    },
    "beside-copy": {
        "dump.c": """
void dump(int state, int version, int interval)
{
	log_message(LOG_INFO, "   State = %d", state);
	if (state == 1) {
		log_message(LOG_INFO, "   Master priority = %d", version);
		if (version == 3)
-			log_message(LOG_INFO, "   Master advert int = %.2f sec", interval / 100.0);
+			log_message(LOG_INFO, "   Master advert interval = %u milli-sec", interval);
	}
	log_message(LOG_INFO, "   Flags: %d", version);
-	if (state == 1 && version == 3)
-		log_message(LOG_INFO, "   Master advert interval = %u milli-sec", interval);
	log_message(LOG_INFO, "   Accept = %d", state);
}
""",
    },
    "function-split": {
        "tls.c": """
static int load_pem(const char *fn, int expired)
{
	if (expired) {
		log_message(LOG_ERR, "SSL: inactive/expired X509 certificate '%s'", fn);
		return -1;
	}
	return 0;
}
+static int load_raw(const char *fn, int expired)
+{
+	if (expired) {
+		log_message(LOG_ERR, "SSL: inactive/expired X509 certificate '%s'", fn);
+		return -1;
+	}
+	return 1;
+}
int load_cert(const char *pemfile, int e)
{
-	return load_pem(pemfile, e);
+	return load_raw(pemfile, e);
}
int load_ca(const char *cafile, int e)
{
	return load_pem(cafile, e);
}
+int load_key(const char *keyfile, int e)
+{
+	if (e)
+		log_message(LOG_ERR, "SSL: inactive/expired X509 certificate '%s'", keyfile);
+	return 0;
+}
""",
    },
    "file-switches": {
        "monitor.c": """
-#define _SPEC_OLD_
+/*#define _SPEC_OLD_*/	/* obsolete */
-#if defined(HAVE_INOTIFY) || defined(HAVE_KQUEUE)
-#ifndef HAVE_FAM
-#define HAVE_FAM
-#endif
-#endif
-#ifdef HAVE_FAM
+#if defined(HAVE_INOTIFY) || defined(HAVE_FAM) || defined(HAVE_KQUEUE)
+#define FSMON
+#endif
+#ifdef FSMON
void monitor(int fd)
{
#ifdef HAVE_INOTIFY
	log_message(LOG_ERR, "inotify error");
#endif
	log_message(LOG_INFO, "monitoring %d", fd);
}
#endif
#ifdef _SPEC_OLD_
void old_frames(void)
{
	log_message(LOG_DEBUG, "recv old frame");
}
#endif
""",
    },
}


@pytest.fixture(scope="module")
def diffs(tmp_path_factory):
    """kind -> DiffResult of the kind's two tags, each tag's tree exported from the repository."""
    built = tagged_diffs(tmp_path_factory.mktemp("pairs"), RELEASES, HEAD, RULES)
    TEXTS.update((kind, texts) for kind, (_, texts) in built.items())
    return {kind: d for kind, (d, _) in built.items()}


TEXTS = {}  # kind -> the texts of its two trees (diffs)


def text(m):
    return render_normal(m.template)


def summary(d):
    return {"added": sorted(text(m) for m in d.added), "removed": sorted(text(m) for m in d.removed),
            "changed": sorted((text(c.old), text(c.new), c.fields) for c in d.changed),
            "merged": sorted((tuple(sorted(text(o) for o in m.olds)), text(m.new)) for m in d.merged)}


def test_a_message_moved_to_another_file_or_merged_into_a_helper(diffs):
    d = diffs["moved"]
    assert summary(d) == {
        "added": [], "removed": [], "changed": [],
        "merged": [(("Real server name too long: %s", "VRRP instance name too long: %s", "Virtual server name too long: %s"),
                    "%s name too long: %s")],
    }
    # a message that only changed its place (another file) is moved, not changed
    assert [(c.new.file, c.fields) for c in d.moved] == [("net/tcp.c", ("location",))]
    assert d.merged[0].how == "helper"


def test_short_rewordings_at_one_site_are_changes(diffs):
    d = diffs["reworded"]
    assert summary(d) == {"added": [], "removed": [], "merged": [],
                          "changed": [("fcntl", "fcntl()", ("template",)), ("read", 'read("%s")', ("template",))]}
    assert {c.how for c in d.changed} == {"site"}


def test_a_format_in_a_constant_array_is_the_same_message(diffs):
    d = diffs["artefacts"]
    assert summary(d) == {"added": [], "removed": [], "changed": [], "merged": []}
    assert [text(c.new) for c in d.moved] == ["bad packet from %s"]


def test_repeats_pair_by_line_mapping_and_conditions(diffs):
    d = diffs["repeats"]
    assert summary(d)["added"] == ["checking", "value out of range"]
    assert not d.removed and not d.changed
    (added,) = [m for m in d.added if text(m) == "value out of range"]
    assert added.conditions == ("b > 1",)  # the new copy, not the one that was there
    assert sorted((c.old.conditions, c.new.conditions) for c in d.moved) == [(("a",), ("a",)), (("b",), ("b",))]


def test_generic_templates_are_not_paired_across_modules(diffs):
    d = diffs["generic"]
    assert summary(d) == {"added": ["SSL: %s %s"], "removed": ["SSL: %s %s"], "changed": [], "merged": []}


def test_build_conditions_compare_as_formulas_and_analysis_only_changes_are_marked(diffs):
    """-q renamed -v is the release's change; -d's bit now set through a helper srcscan does not
    follow is srcscan's (same guards, same callers, -d in both option tables)."""
    d = diffs["noise"]
    got = {text(c.old): (c.fields, c.analysis_only, c.old.requires, c.new.requires) for c in d.changed}
    # report()'s caller now calls it under another bit: the callers are the same, their guard is not
    assert got == {"debugging": (("requires",), ("requires",), (("-d",),), ()),
                   "quiet": (("requires",), (), (("-q",),), (("-v",),)),
                   "report state": (("requires",), (), (("-x",),), (("-d",),))}
    assert d.differs  # the rename
    assert build_formula("defined(WITH_A) && defined(WITH_B)") == build_formula("defined WITH_B && defined(WITH_A)")
    assert build_formula("defined(WITH_A)") != build_formula("defined(WITH_B)")
    data = diff_to_dict(d)
    assert [c["old"]["text"] for c in data["changed"]] == ["report state", "quiet"]
    assert [(c["old"]["text"], c["fields"], c["analysis_only"]) for c in data["analysis_only"]] == [
        ("debugging", [], ["requires"])]  # `fields`: the release's changes only


def test_an_old_call_replaced_by_a_helper_call_pairs_with_the_helpers_message_for_its_constant(diffs):
    """lighttpd 1.4.79's cgi_create_err(r, fds, "pipe()") (two old "pipe failed" into one:
    merged; "fcntl failed" moved within its function), keepalived 2.3.3's set_string(...,
    "SSL") (old per-caller variants of one site into one) and dump_notify_vs_rs_script(fp, s,
    "RS", "up") (all the call's literals must be in the message)."""
    d = diffs["helper-call"]
    got = summary(d)
    assert got["added"] == [text(m) for m in d.variants] == ["RS down script = %s", "fcntl()"]  # (texts of merged sites)
    assert got["removed"] == [text(m) for m in d.gone_variants]  # (texts of a paired site)
    # dump_rs()'s two literal lines into dump_script(), which writes its callers' constants: one merge
    # two `pipe failed` copies and `fcntl failed` into create_err()'s one call: one merge
    assert got["merged"] == [(("RS down script = %s", "RS up script = %s"), "RS up script = %s"),
                             (("fcntl failed", "pipe failed", "pipe failed"), "pipe()")]
    # the texts of one old site: that site now writing another text (one change), not a merge
    (ssl,) = [c for c in d.changed if text(c.new) == "Duplicate SSL - overwriting %s with %s"]
    assert text(ssl.old) in ("SSL certfile already specified - replacing", "SSL keyfile already specified - replacing")
    assert [text(m) for m in d.gone_variants] == sorted({"SSL certfile already specified - replacing",
                                                         "SSL keyfile already specified - replacing"} - {text(ssl.old)})
    assert ("spawn failed", "spawn failed", ("conditions",)) in got["changed"]  # the fcntl check moved above it
    # a call of a function that passes "ipvs chain" on to the helper that logs (two levels)
    assert ("ipvs nftables table name too long - ignoring", "VRRP Error : nftables ipvs chain name too long - ignored",
            ("template", "location")) in got["changed"]
    assert not [c for c in d.changed if c.old.function == "dump_rs"]


def test_a_rewording_under_the_same_guard_of_rewritten_code_pairs(diffs):
    d = diffs["guard"]
    assert summary(d) == {"added": [], "removed": [], "merged": [],
                          "changed": [("can't bind to socket: %s", "bind() %s", ("template", "conditions")),
                                      ("listen failed", "listen failed", ("conditions",))]}
    assert {c.how for c in d.changed if text(c.old) != "listen failed"} == {"guard"}


def test_copies_moved_to_another_file_pair_by_function_and_a_copy_gone_into_if0_is_removed(diffs):
    d = diffs["split"]
    assert summary(d)["added"] == []
    # a copy gone into `#if 0` is removed, though the release still writes its text elsewhere (the
    # auditors of session 14: lighttpd 1.4.79's mod_deflate_file_chunk_mmap() copies, not merged)
    assert summary(d)["merged"] == []
    # the second generic `%s = %s` case went: removed, not merged into the first one's message
    assert sorted((m.function, text(m)) for m in d.removed) == [("deflate_mmap", "compress failed."),
                                                               ("set_defaults", "%s = %s")]
    # the HTTP/2 copy (under `h2 && rused`) went to h2_check_timeout(): the guards' names tell
    assert sorted((c.old.conditions, c.new.function) for c in d.changed + d.moved if c.old.function == "check_timeout") == [
        (("!h2 && idle",), "h1_check_timeout"), (("h2 && rused",), "h2_check_timeout")]
    assert sorted((c.old.function, c.new.function, text(c.new)) for c in d.changed + d.moved
                  if c.old.function != "check_timeout" and c.new.function != c.old.function) == [
        ("read_body_unknown", "h1_read_body_unknown", "request-size too long: %d -> 413"),
        ("read_post_chunked", "h1_chunked", "chunked header invalid chars -> 400"),
        ("read_post_chunked", "h1_chunked", "request-size too long: %d -> 413")]


def test_a_guard_dropped_in_front_of_a_message_is_a_change_of_its_conditions(diffs):
    d = diffs["conditions"]
    assert [(text(c.old), c.fields) for c in d.changed] == [("Invalid alpha parameter %s", ("conditions",))]
    assert not d.moved


def test_texts_a_surviving_call_site_no_longer_writes_are_not_removed_messages(diffs):
    """keepalived 2.3.3: no caller hands timeout_epilog() "Timeout WEB write" any more, and
    open_dump_file() builds the file name at run time instead of writing one text per
    caller's constant: each site is still there (one pair), its other old texts are listed
    apart, not as removed messages and not as a merge of copies."""
    d = diffs["variants"]
    assert summary(d)["added"] == [] and summary(d)["merged"] == []
    (change,) = d.changed
    assert text(change.new) == "Can't open dump file %s" and change.fields == ("template",)  # file_name renamed: same guard
    dump_texts = {"Can't open dump file keepalived.data", "Can't open dump file keepalived_check.data",
                  "Can't open dump file keepalived_bfd.data"}
    assert text(change.old) in dump_texts
    assert sorted(text(m) for m in d.gone_variants) == sorted(text(m) for m in d.removed) == sorted(
        dump_texts - {text(change.old)} | {"Timeout WEB write server %s."})
    data = diff_to_dict(d)
    assert data["removed"] == [] and len(data["variants_gone"]) == 3


def test_an_early_check_folded_into_a_later_one_of_the_same_values_is_a_merge(diffs):
    """keepalived 2.3.3's vrrp_check_packet() dropped the early VIP-count check; the later
    one writes the same three values under the old check's comparison."""
    d = diffs["folded"]
    # both old checks are listed: the early one and the later one it was folded into
    assert summary(d)["merged"] == [
        (("(%s) expected %u VIPs but received %u", "(%s) received an unexpected ip number count %u, expected %u!"),
         "(%s) expected %u VIPs but received %u")]
    assert d.merged[0].how == "folded" and not d.added and not d.removed
    # the early return is gone from the path of the later messages: a guard less
    assert {c.fields for c in d.changed} == {("conditions",)}
    assert "(%s) expected %u VIPs but received %u" not in {text(c.old) for c in d.changed + d.moved}


def test_a_guard_rewritten_in_place_is_a_change_of_conditions_a_rename_or_a_cast_is_not(diffs):
    """lighttpd 1.4.79's sendfile loop: `toSend` renamed `nbytes` around both messages (the
    same guards), one more errno the first one's guard lets through (another guard);
    `(long)0 == wr` -> `0 == wr` alone is the same guard."""
    d = diffs["rewritten-guard"]
    assert summary(d)["changed"] == [("sendfile(): fd: %d", "sendfile(): fd: %d", ("conditions",))]
    assert [text(b) for a, b in d.kept] == ["sendfile(): fd: %d file truncated"]


def test_guards_of_the_same_meaning_are_no_change_a_loop_bound_or_a_new_check_is(diffs):
    """keepalived 2.3.3: `service_type == 0` -> `== IPPROTO_IP` (an enumerator of value 0) and a
    macro of value 0 written as 0 are the same guards, IPPROTO_TCP -> IPPROTO_UDP is not; two
    early exits in another order are the same checks. lighttpd 1.4.79: `__builtin_expect(..., 1)`
    around the same test, and an early exit taken out of a block now under `#if 0` (written before
    the call on both sides) are no change; a second `if (rc != 0) return` before the call is. The
    bound of a `for` loop around the call dropped (vrrp_vmac_handler) and a label added to the
    switch whose `default:` logs are changes of conditions."""
    d = diffs["equivalent-guards"]
    changed = {text(c.old): c.fields for c in d.changed}
    moved = {text(c.old) for c in d.moved} | {text(a) for a, _ in d.kept}
    # the exit taken out of its `if (!r->async)` block (lighttpd 1.4.79 response.c, the block's
    # head and end now under `#if 0`) tests `rc`, assigned in the block: the walker does not join
    # it to the block's test, and it is written before the call on both sides
    assert {"   protocol = none", "   protocol = %d", "path unset", "URI-path (clean): %s",
            "Setting callback function failed"} <= moved
    # keepalived 2.3.4 opens every file close-on-exec: `O_RDONLY` -> `O_RDONLY | O_CLOEXEC`, fopen's
    # "w" -> "we" fail as before; another flag is another call
    assert {"Unable to open %s", "Unable to create %s"} <= moved
    assert changed["Unable to reopen %s"] == ("conditions",)
    assert changed["   protocol = TCP or UDP"] == ("conditions",)
    assert changed["create table: %d"] == ("conditions",)
    assert changed["VMAC invalid MAC address %s"] == ("conditions",)
    # a label added before the `default:` that logs (lighttpd 1.4.79's FreeBSD `case EBUSY`), in any build
    assert changed["sendfile(): fd: %d"] == ("conditions",) and "write(): fd: %d" in moved


def test_literals_of_two_sites_that_became_one_helpers_template_are_a_merge(diffs):
    """keepalived 2.3.3's check_valid_iptables_ipset_nftables_name(): each old literal `VRRP Error :
    iptables out chain name too long - ignored` is now written by `%s %s name too long - ignored`
    filled by the callers' constants: two old calls into one (a merge), not two changes."""
    d = diffs["equivalent-guards"]
    assert not [c for c in d.changed if c.old.file == "names.c"]
    (merge,) = [m for m in d.merged if m.new.file == "names.c"]
    assert [text(o) for o in merge.olds] == [f"VRRP Error : iptables {w} chain name too long - ignored" for w in ("in", "out")]
    assert merge.new.format == "VRRP Error : %s %s name too long - ignored" and merge.how == "helper"


def test_a_new_call_site_is_added_once_with_the_texts_it_writes(diffs):
    """keepalived 2.3.3's new `%s %s name empty - ignored` check writes one text per pair of
    its callers' constants: one added call site (its other texts listed with it), not one
    added message per text."""
    d = diffs["equivalent-guards"]
    empty = sorted(text(m) for m in d.added if "empty" in text(m))
    assert empty == ["VRRP Error : iptables in chain name empty - ignored", "VRRP Error : iptables out chain name empty - ignored"]
    assert [text(m) for m in d.variants if "empty" in text(m)] == empty[1:]
    data = diff_to_dict(d)
    assert [(m["text"], m.get("site_texts")) for m in data["added"]] == [(empty[0], empty[1:])]


def test_a_call_split_by_build_pairs_each_builds_call_with_the_old_one(diffs):
    """keepalived 2.3.4's open_vrrp_read_socket(): the old `IP%s_FREEBIND` call (one text per
    branch of its `%s` ternary) became an IPv4-only call under `#if !HAVE_DECL_IPV6_FREEBIND`
    and the old call under `#else`. Each new call is the old one in its build: nothing added,
    and no guard changed (the old catalog's `!(family == AF_INET6)` is the other build's
    `else`; the IPv4 text's `family == AF_INET ? IPPROTO_IP : ...` is `IPPROTO_IP`). A split
    whose one build adds a guard (`verbose &&`) is that build's change."""
    d = diffs["build-split"]
    assert not d.added and not d.removed and not d.merged
    assert sorted((text(c.new), c.new.build, c.how) for c in d.moved if c.old.function == "open_socket") == [
        ("IPV6_FREEBIND failed %d", "HAVE_DECL_IPV6_FREEBIND != 0", "build-split"),
        ("IP_FREEBIND failed %d", "!HAVE_DECL_IPV6_FREEBIND", "build-split"),
        ("IP_FREEBIND failed %d", "HAVE_DECL_IPV6_FREEBIND != 0", "build-split")]
    assert not [c for c in d.changed if c.old.function == "open_socket"]
    assert [(c.new.build, c.fields) for c in d.changed if c.old.function == "close_socket"] == [
        ("!HAVE_DECL_SO_LINGER", ("conditions",))]
    assert [c.new.build for c in d.moved if c.old.function == "close_socket"] == ["HAVE_DECL_SO_LINGER != 0"]


def test_n_to_m_rewrites_inside_one_function(diffs):
    """lighttpd 1.4.85's mod_openssl_write_err(): `SSL: %d %d` under `switch (errno) default:`
    became `SSL: addr:%s ssl_err:%d wr:%d errno:%d` at its place (the line mapping puts the old
    call one line off, the same first word), both `SSL: %d %d %d` error-queue loops one loop
    after the switch; mod_wstunnel.c's traces of two branches folded into one trace each (a
    text the new one writes whole, siblings in the other branch of one `if`). Not paired: an
    unrelated message at the same place (no word kept), nor one in the other branch of an `if`."""
    d = diffs["rewrites"]
    assert [(text(c.old), text(c.new), c.how) for c in d.changed if c.how == "rewritten"] == [
        ("SSL: %d %d", "SSL: addr:%s ssl_err:%d wr:%d errno:%d", "rewritten")]
    assert summary(d)["merged"] == [
        (("SSL: %d %d %d", "SSL: %d %d %d"), "SSL: addr:%s ssl_err:%d %d"),
        (("read payload, size=%x", "read payload, size=%x", "rest of frame size=%x", "rest of payload size=%x"),
         "recv payload, size=%u; remaining payload size=%u"),
        (("specified payload size=%x", "specified payload size=%x"), "frame type=text, specified payload size=%u")]
    assert {m.how for m in d.merged} == {"folded"}
    assert summary(d)["added"] == ["   Rogue master counter = %d", "listener ready"]
    assert summary(d)["removed"] == ["   Master advert int = %d sec", "cache flushed"]


def test_a_message_moved_into_a_helper_keeps_its_guards_through_the_only_caller(diffs):
    """lighttpd 1.4.79 moved gw_write_request()'s `switch (errno)` with its "write failed" into
    gw_network_backend_write_error(), called only there, under the same guards (the old
    `errh` a const local holding `r->conf.errh`); the new switch head is written once per
    build (`#ifdef _WIN32 switch (WSAGetLastError()) #else switch (errno)`), its other build's
    labels no change of `switch (errno)`'s `default:`. A helper with two callers tells nothing."""
    d = diffs["helper-caller"]
    assert not d.added and not d.removed and not d.merged
    assert sorted((text(c.old), c.new.function, c.fields) for c in d.changed) == [
        ("read failed: %d", "read_error", ("location", "conditions"))]
    assert [(text(c.old), c.new.function, c.fields) for c in d.moved] == [("write failed", "write_error", ("location",))]


def test_copies_in_several_functions_that_went_into_one_they_now_share_are_a_merge(diffs):
    """lighttpd 1.4.85 moved the docroot check of http_response_xsendfile() and of
    http_response_xsendfile2() into http_response_xsendfile_path_check(), which both call, and
    mod_wstunnel's `send data to client` trace of send_ietf_00() and of send_rfc_6455() into
    mod_wstunnel_frame_send(), which calls them (a new text each time): one merge each, with
    send_rfc_6455()'s `type = text` and `payload size=%x` traces, whose words the new trace
    writes (`frame type=%s` from mod_wstunnel_frame_type_str[] = {"text", ...}). A trace with
    a word it no longer writes (`type = continue`), and a third docroot copy whose function
    dropped the check and calls no helper, are removed."""
    d = diffs["shared"]
    merged = {text(m.new): (sorted(text(o) for o in m.olds), m.how) for m in d.merged}
    assert merged["X-Sendfile: file not under configured x-sendfile-docroot(s): %s"] == (
        ["X-Sendfile (%s) not under configured x-sendfile-docroot(s)", "X-Sendfile2 (%s) not under configured x-sendfile-docroot(s)"],
        "shared")
    assert merged["send to client (fd=%d), frame type=%s, payload size=%u"] == (
        ["payload size=%x"] + ["send data to client (fd=%d), frame size=%x"] * 2 + ["type = binary", "type = text"], "shared")
    assert not [m for m in d.added if m.file != "frames.c"]
    assert {"X-Sendfile3 (%s) not under configured x-sendfile-docroot(s)", "type = continue"} <= set(summary(d)["removed"])


def test_copies_into_a_helper_that_writes_its_callers_constants_follow_the_caller_that_hands_it_the_text(diffs):
    """lighttpd 1.4.85's recv_ietf_00() folded its two `frame size has been exceeded: %x` copies
    (one per branch) into one wstunnel_err(hctx, 1002, "frame size has exceeded 0xfffff"):
    one merge. recv_rfc_6455()'s copy of the same text is not in it: wstunnel_err() writes that
    text for recv_ietf_00() only (recv_rfc_6455() hands it `control frame size invalid`)."""
    d = diffs["shared"]
    frames = [m for m in d.merged if m.new.file == "frames.c"]
    assert [(sorted((o.function, text(o)) for o in m.olds), text(m.new)) for m in frames] == [
        ([("recv_ietf", "frame size has been exceeded: %x")] * 2, "frame size has exceeded 0xfffff")]
    assert not [c for c in d.changed + d.moved if c.old.function == "recv_rfc" and text(c.new) == "frame size has exceeded 0xfffff"]


def test_a_message_gone_into_a_helper_does_not_pair_with_what_now_stands_at_its_place(diffs):
    """lighttpd 1.4.85's http_response_xsendfile2() writes `X-Sendfile2: could not decode range
    after filename: %s` where 1.4.79 wrote `X-Sendfile2 invalid UTF-8 after url-decode: %s`
    (the same first word): that check went into http_response_xsendfile_path_check() with its
    X-Sendfile twin, and the range message is the old `Couldn't decode range after filename:
    %s` reworded (0.57 on words, 0.81 on characters)."""
    d = diffs["shared"]
    merged = {text(m.new): (sorted(text(o) for o in m.olds), m.how) for m in d.merged}
    assert merged["X-Sendfile: invalid UTF-8 after url-decode: %s"] == (
        ["X-Sendfile invalid UTF-8 after url-decode: %s", "X-Sendfile2 invalid UTF-8 after url-decode: %s"], "shared")
    assert [(text(c.old), text(c.new), c.how) for c in d.changed if "range" in text(c.new) and c.old.function == "xsendfile2"] == [
        ("Couldn't decode range after filename: %s", "X-Sendfile2: could not decode range after filename: %s", "similar")]


def test_a_message_of_an_else_branch_folds_with_its_sibling_of_a_nested_branch(diffs):
    """lighttpd 1.4.79's mod_openssl_write_err() wrote `SSL: %d %d` in `else if (wr == -1) {
    switch (errno) { default: ...` and `SSL (error): %d %d` in the chain's `else`; 1.4.85 writes
    one `SSL: addr:%s ssl_err:%d wr:%d errno:%d` for both. A message after an early exit
    (`if (!range) { ...; return; }`) is in no branch of it: `Couldn't decode range` is removed,
    not folded into the rewording of `Couldn't find range`."""
    d = diffs["shared"]
    merged = {text(m.new): (sorted(text(o) for o in m.olds), m.how) for m in d.merged}
    assert merged["SSL: addr:%s ssl_err:%d wr:%d errno:%d"] == (["SSL (error): %d %d", "SSL: %d %d"], "folded")
    assert summary(d)["removed"] == ["Couldn't decode range after filename: %s",
                                     "X-Sendfile3 (%s) not under configured x-sendfile-docroot(s)", "frame size has been exceeded: %x",
                                     "type = continue"]
    assert [(text(c.old), text(c.new)) for c in d.changed if c.old.function == "parse_range"] == [
        ("Couldn't find range after filename: %s", "X-Sendfile2: could not find range after filename: %s")]


def test_a_local_copy_of_the_configuration_or_a_later_form_of_a_system_call_is_no_change_of_conditions(diffs):
    """lighttpd 1.4.85 reads its plugins' configuration from a local copy (`p->conf.filter` ->
    `pconf.filter`, the same member); keepalived 2.3.4 creates its epoll instance with
    epoll_create1(EPOLL_CLOEXEC) where 2.3.3 called epoll_create(1), and pipe() is now pipe2():
    the same checks. Another member tested, or another call (open -> openat), is a change."""
    d = diffs["local-copy"]
    moved = sorted(text(c.old) for c in d.moved)
    assert moved == ["ldap: auth.backend.ldap.filter not set", "perf epoll_create failed", "perf pipe failed"]
    assert sorted((text(c.old), c.fields) for c in d.changed) == [
        ("ldap: auth.backend.ldap.base-dn not set", ("conditions",)), ("perf open failed", ("conditions",))]


def test_texts_of_one_call_written_as_a_macro_in_one_build_and_a_function_in_another_are_one_site():
    """lighttpd 1.4.79's mod_mbedtls.c `elog(...)` is a function under MBEDTLS_ERROR_C (`MTLS:
    %s: %s (-0x%04x)`) and a macro of log_error() without (`MTLS: %s: (-0x%04x)`): one call
    site with two texts. When one text is paired, the other is a text of a paired site (listed
    with the site's texts no longer written), not a removed message."""
    from srcscan.catalog import Message
    from srcscan.diff import Change, DiffResult
    from srcscan.formats.template import Hole, Template

    def message(call, parts, line=2484):
        return Message(id=f"{call}{line}", file="src/mod_mbedtls.c", line=line, function="handshake", call=call,
                       written="elog", priority="LOG_ERR", format="", template=Template(tuple(parts)), dynamic=False,
                       conditions=())
    with_strings = message("elog", ["MTLS: handshake: ", Hole("str", "%s"), " (-0x", Hole("int", "%x"), ")"])
    macro = message("log_error", ["MTLS: handshake: (-0x", Hole("int", "%x"), ")"])
    new = message("elogf", ["MTLS: addr:", Hole("str", "%s"), " handshake(): (-0x", Hole("int", "%x"), ")"], line=2577)
    d = DiffResult(None, None, (), (with_strings,), (Change(macro, new, ("template",), 0.8, "site"),), ())
    assert d.gone_variants == (with_strings,)


def test_a_switch_the_file_defines_is_followed_and_a_renamed_switch_of_the_same_condition_is_no_change(diffs):
    """lighttpd 1.4.79 mod_wstunnel.c:185 `#define _MOD_WEBSOCKET_SPEC_IETF_00_` compiles its
    IETF-00 code in every build; 1.4.85:188 comments the #define out, so that code needs a build
    that defines it: a change of build. stat_cache.c's HAVE_FAM_H (1.4.79:73-78, defined under
    inotify or kqueue) became STAT_CACHE_FSMON (1.4.85:71-75, defined under inotify, FAM or
    kqueue): the same condition, no change."""
    d = diffs["file-switches"]
    assert [(text(c.old), c.fields, c.old.build, c.new.build) for c in d.changed] == [
        ("recv old frame", ("build",), "", "defined(_SPEC_OLD_)")]
    builds = {text(c.old): (c.old.build, c.new.build) for c in d.moved}
    assert builds["inotify error"] == ("defined(HAVE_INOTIFY)", "defined(HAVE_INOTIFY)")
    # the catalogs keep what a build could set from outside; FSMON is the file's own switch
    assert [build_formula(b) for b in builds["monitoring %d"]] == [
        build_formula("defined(HAVE_INOTIFY) || defined(HAVE_KQUEUE) || defined(HAVE_FAM)"),
        build_formula("defined(HAVE_INOTIFY) || defined(HAVE_KQUEUE) || defined(HAVE_FAM) || defined(FSMON)")]
    assert not d.added and not d.removed and not d.merged


def test_traces_of_a_switchs_cases_fold_into_the_trace_naming_the_case_and_a_reworded_check_into_the_helper(diffs):
    """lighttpd 1.4.79 recv_rfc_6455() traced `type = text` (binary, ping, pong, close) in each
    case of its opcode switch; 1.4.85 traces `frame type=%s, specified payload size=%llu` with
    the type's name from mod_wstunnel_frame_type_str[] after the switch, but its close case
    returns first: `type = close` (and `type = continue`, a name the array lacks) are gone.
    recv_ietf_00()'s `recv invalid frame` became wstunnel_err(hctx, 1002, "frame type invalid")
    at its place, the text recv_rfc_6455()'s `type is invalid` became too: one merge."""
    d = diffs["ws-recv"]
    assert summary(d) == {
        # ws_err()'s texts at a new call site; no `%s` of its own: the only calls passing no
        # constant pass NULL (`ws_err(1000, 0)`), which its `if (err)` rules out
        "added": ["control frame fragmented"],
        "removed": ["recv close frame", "type = close", "type = continue"],
        "changed": [],
        "merged": [(("recv invalid frame", "type is invalid"), "frame type invalid"),
                   (("specified payload size=%x", "type = binary", "type = ping", "type = text"),
                    "frame type=%s, specified payload size=%u")]}


def test_a_macro_written_the_same_that_reaches_another_log_function_is_another_call(diffs):
    """lighttpd 1.4.69's DEBUG_LOG_DEBUG() expanded to log_error() (LOG_ERR), 1.4.79's to
    log_debug(): `call` changed with the priority (a compatibility alias writing at the same
    priority is no change of call: log_error_multiline -> log_pri_multiline)."""
    d = diffs["macro-call"]
    assert [(text(c.old), c.fields) for c in d.changed] == [("specified payload size=%x", ("priority", "call"))]


def test_a_message_reworded_into_the_text_of_a_copy_the_release_dropped_is_a_merge(diffs):
    """keepalived 2.2.7's dump_vrrp() wrote `Master advert int = %.2f sec` (vrrp_data.c:604)
    and, further down, `Master advert interval = %u milli-sec` (:724); 2.3.3 writes the second
    text where the first was (:620) and drops the copy: both old messages into the new one."""
    d = diffs["beside-copy"]
    assert summary(d) == {"added": [], "removed": [], "changed": [], "merged": [
        (("   Master advert int = %f sec", "   Master advert interval = %u milli-sec"),
         "   Master advert interval = %u milli-sec")]}
    assert d.merged[0].how == "site"


def test_a_call_split_into_a_new_function_its_old_callers_now_call_is_a_new_site_of_the_old_message(diffs):
    """lighttpd 1.4.69's mod_wolfssl_load_pem_file() wrote `SSL: inactive/expired X509
    certificate '%s'` (:736) for the certificate and the CA files; 1.4.79's certificate callers
    call the new mod_wolfssl_load_raw_file(), which writes it too (:866): not a new message,
    but no change of the old one either, whose call in its function is unchanged (:812; the
    auditors of session dpair: pairing it with :866 called it changed). A new call site of an
    existing message, as is the copy in load_key."""
    d = diffs["function-split"]
    assert [(c.old.function, c.new.function) for c in d.changed + d.moved] == [("load_pem", "load_pem")] \
        or not [c for c in d.changed + d.moved if c.new.function != "load_pem"]
    assert sorted((m.function, o.function) for m, o in d.new_sites) == [("load_key", "load_pem"), ("load_raw", "load_pem")]
    assert diff_to_dict(d)["added"] == [] and not d.removed


def test_checks_of_several_sites_folded_into_one_helper_call_are_a_merge(diffs):
    """keepalived 2.3.3's check_valid_iptables_ipset_nftables_name(): nine literal `... name too
    long` sites of three handlers became one call writing its callers' constants. One N -> 1
    merge, not one change per old site of fields the helper reads differently (its conditions,
    the requirements of all its callers, its build)."""
    d = diffs["into-helper"]
    got = summary(d)
    assert got["changed"] == [] and got["removed"] == []
    assert got["merged"] == [(("Error : ipset address name too long - ignored",
                               "Error : iptables in chain name too long - ignored",
                               "Error : iptables out chain name too long - ignored"),
                              "Error : iptables in chain name too long - ignored")]
    assert d.merged[0].how == "helper" and d.merged[0].new.function == "check_name"
    # the site's other texts are the merged call's, not new messages of their own
    assert got["added"] == sorted(text(m) for m in d.variants) == ["Error : ipset address name too long - ignored",
                                                                 "Error : iptables out chain name too long - ignored"]


def test_a_call_in_a_guard_given_none_for_a_new_parameter_is_the_same_guard(diffs):
    """keepalived 2.3.3's `!(vec = alloc_strvec(buf, NULL))` where 2.2.7 wrote `alloc_strvec(buf)`,
    lighttpd 1.4.79's `chunkqueue_peek_data(..., errh, 0)`: the same test. A value other than
    none for the new parameter is another test."""
    d = diffs["default-argument"]
    assert [text(b) for _, b in d.kept] == ["parsed %s"]
    assert [(text(c.new), c.fields) for c in d.changed] == [("deep %s", ("conditions",))]


def test_an_early_exit_on_a_helper_taken_out_of_the_function_is_no_new_condition(diffs):
    """lighttpd 1.4.79's server_main_setup() exits on `0 != server_pid_file_open(srv, ...)`, the
    helper the inline pid-file code (with its own early returns) went into: the messages after
    it are moved, not changed. An exit on a new function that is not the old code's (a new
    feature's check) is a new condition."""
    d = diffs["extracted-exit"]
    assert [text(c.new) for c in d.moved] == ["network init failed"]
    assert ("tls init failed", "tls init failed", ("conditions",)) in summary(d)["changed"]
    assert summary(d)["added"] == ["curves failed"]


def test_copies_of_a_switch_taken_into_a_helper_pair_by_their_innermost_conditions(diffs):
    """lighttpd 1.4.79's mod_wolfssl_write_err(): the write loop's `SSL: %d %d %s` under
    `0 != (err = ERR_get_error())` (SSL_ERROR_SYSCALL) and under `(err = ERR_get_error())`
    (default) went into a helper above; each copy pairs with the one under its own test, not
    the nearer one."""
    d = diffs["switch-copies"]
    assert sorted((c.old.conditions[-1], c.new.conditions[-1]) for c in d.changed) == [
        ("(err = next_error())", "(err = next_error())"), ("0 != (err = next_error())", "0 != (err = next_error())")]


def test_checks_folded_into_alternatives_of_one_message_are_a_merge(diffs):
    """lighttpd 1.4.69's `stating existing pid-file failed: %s` (under `0 != stat(...)`) and
    `pid-file exists and isn't regular file: %s` (under `!S_ISREG(...)`) became alternatives of
    1.4.79's one `errno != EEXIST || 0 != stat(...) || !S_ISREG(...) || ...` that writes
    `opening pid-file failed: %s`: merged with the two old copies of that message, not removed.
    A case of a switch that went, under the same test as one that stayed, is removed."""
    d = diffs["folded-alternatives"]
    got = summary(d)
    assert got["merged"] == [(("opening pid-file failed: %s", "opening pid-file failed: %s",
                               "pid-file exists and isn't regular file: %s", "stating existing pid-file failed: %s"),
                              "opening pid-file failed: %s")]
    assert got["removed"] == ["%d = %s"] and got["added"] == []


def test_a_walk_over_a_container_rewritten_as_a_consuming_loop_is_no_change_of_conditions(diffs):
    """lighttpd 1.4.79's recv_rfc_6455(): `for (chunk *c = cq->first; c; c = c->next)` became
    `while (!chunkqueue_is_empty(cq))` with an exit when chunkqueue_peek_data(cq, ...) fails:
    the same walk over the queue. A loop's bound is still a condition."""
    d = diffs["walks"]
    assert [text(c.new) for c in d.moved] == ["empty frame"]
    assert [(text(c.new), c.fields) for c in d.changed] == [("negative value %d", ("conditions",))]


def test_a_requirement_the_old_neighbours_reading_the_same_object_had_is_analysis_only(diffs):
    """keepalived 2.2.7's catalog gives `Virtual server %s has no real servers - ignoring`
    (under `list_empty(&vs->rs)` in validate_check_config()) no requirement while its
    neighbours reading `vs->...` need virtual_server; 2.3.3's vs_end_handler() writes it needing
    virtual_server: srcscan's reading, not the release's. Without such a neighbour the new
    requirement is the release's."""
    d = diffs["beside"]
    old, new = d.old, d.new
    need = (("virtual_server",),)

    def with_requires(catalog, requires):
        return replace(catalog, messages=tuple(replace(m, requires=requires.get(text(m), m.requires)) for m in catalog.messages))
    bare = with_requires(new, {"Virtual server has no real servers": need})
    got = diff_catalogs(with_requires(old, {"ha_suspend with fwmarks": need}), bare)
    assert not got.changed and [(c.fields, c.analysis_only) for c in got.moved] == [(("requires", "location"), ("requires",))]
    got = diff_catalogs(old, bare)
    assert [(c.fields, c.analysis_only) for c in got.changed] == [(("requires", "location"), ())]


def test_an_exit_whose_check_went_elsewhere_with_its_message_is_no_change_of_conditions(diffs):
    """keepalived 2.2.7's validate_check_config() skipped a virtual server without real
    servers (`if (list_empty(&vs->rs)) { log ...; continue; }`); 2.3.3's vs_end_handler()
    drops it at parse time with the same message: the messages after the old check are moved,
    not changed."""
    d = diffs["check-moved"]
    assert [text(c.new) for c in d.moved if c.new.function == "validate"] == ["no scheduler set"]
    assert not [c for c in d.changed if "conditions" in c.fields]


def test_a_member_read_into_a_local_of_its_name_is_the_same_guard(diffs):
    """keepalived 2.3.3's bfd_open_fd_in() assigns `fd_in = socket(...)` where 2.2.7 assigned
    `data->fd_in = socket(...)` (and takes the port as a parameter): the same check."""
    d = diffs["member-local"]
    assert not d.changed and [text(c.new) for c in d.moved] == ["socket() error"]


def test_a_test_that_a_pointer_the_message_prints_through_is_set_is_no_condition(diffs):
    """keepalived 2.2.7's track_file handlers returned early on `!cur_track_file` and wrote
    `cur_track_file->fname`; 2.3.3's write `current_tf->fname` without the test: the call
    reads through the pointer either way. A test of a pointer the message does not print
    through is a condition."""
    d = diffs["null-test"]
    assert [text(c.new) for c in d.moved] == ["Track file %s init value %s is invalid"]
    assert [(text(c.new), c.fields) for c in d.changed] == [("weight %s is invalid", ("conditions",))]


def test_the_same_member_read_from_another_object_is_the_same_guard(diffs):
    """lighttpd 1.4.79 keeps a certificate's `must_staple` in its key pair: `pc->must_staple` ->
    `kp->must_staple`, beside `pc->ssl_stapling`... that stays `pc->`: the same test, the object
    renamed for that member only."""
    d = diffs["member-object"]
    assert not d.changed and [text(c.new) for c in d.moved] == ["certificate marked OCSP Must-Staple, but response expired from %s"]


def test_a_specific_message_the_general_one_of_its_function_now_covers_is_a_merge(diffs):
    """lighttpd 1.4.69's config_parse_stdin() wrote `config read from stdin is way too large`
    beside `config read from stdin`; 1.4.79 reads with a size limit and writes the general
    message only: the specific one folded into it, not removed."""
    d = diffs["folded-prefix"]
    assert summary(d)["merged"] == [(("config read from stdin", "config read from stdin is way too large"),
                                     "config read from stdin")]
    assert not d.removed and not d.added


def test_a_requirement_gained_from_the_walk_through_the_elements_containers_is_analysis_only(diffs):
    """keepalived 2.2.7's dump_checker_list() gave dump_checker() each checker of the queue of
    every checker; 2.3.3's dump_checkers() walks each virtual server's real servers' checkers,
    and the new catalog's requirement gains real_server and virtual_server, the keywords
    filling the lists of the outer walks. A checker sits inside a real_server inside a
    virtual_server either way: srcscan's reading, not the release's. An atom gained that fills
    no outer walk's list (the innermost's, or an option) is the release's."""
    d = diffs["walked-containers"]

    def with_requires(catalog, requires, options=()):
        return replace(catalog, messages=tuple(replace(m, requires=requires) if text(m) == "Up = %d" else m
                                               for m in catalog.messages),
                       sections=replace(catalog.sections, options=tuple(options)))
    fill = lambda name, member: Option((name,), "config", True, (OptionEffect(f".{member}", "list_add", "x"),), "check.c")  # noqa: E731
    keywords = [fill("virtual_server", "vs"), fill("real_server", "rs"), fill("HTTP_GET", "checkers")]
    old = with_requires(d.old, (("-d", "@checker"),), keywords)
    for gained, analysis in ((("real_server", "virtual_server"), ("requires",)), (("HTTP_GET",), ()), (("-D",), ())):
        got = diff_catalogs(old, with_requires(d.new, (("-d", "@checker") + gained,), keywords), texts=TEXTS["walked-containers"])
        assert [(text(c.new), c.fields, c.analysis_only) for c in got.changed + got.moved if "requires" in c.fields] == \
            [("Up = %d", ("requires",), analysis)], gained

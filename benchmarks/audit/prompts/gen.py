#!/usr/bin/env python3
"""gen.py HARDSTOP CATDIR AUDITDIR: makes samples and auditor prompts for the final audits.

CATDIR holds P-V.json catalogs and diff-k.json / diff-l.json; AUDITDIR gets one folder per
auditor (its sample files) and AUDITDIR/prompts/NAME.txt."""
import os, subprocess, sys

hard, cat, aud = sys.argv[1:4]
T = os.path.dirname(os.path.abspath(__file__))
req = open(os.path.join(T, "req.tmpl")).read()
dif = open(os.path.join(T, "diff.tmpl")).read()
os.makedirs(os.path.join(aud, "prompts"), exist_ok=True)
CTX = {
 "keepalived": ("keepalived's options come from its command line (such as -D, -d, -P, -C, -x, -S, -f) and from the keywords of keepalived.conf (blocks such as global_defs, vrrp_instance, virtual_server, real_server, vrrp_script, and keywords inside them). A message that can only be logged when the configuration has some block or keyword requires that keyword. The default is keepalived started with no option and an empty configuration.",
   "- Grade `requires` twice: FULL (keywords of keepalived.conf count as options, as above) and CMDLINE (only command-line options count: the row is CMDLINE-RIGHT when what it says about command-line options is right, ignoring keywords either way).",
   "E rows FULL and CMDLINE (right/total each), N rows FULL and CMDLINE, P rows processes and facility"),
 "lighttpd": ("lighttpd's options are the keys of lighttpd.conf (server.*, ssl.*, debug.*, the modules' keys such as proxy.debug, and $SERVER[\"socket\"] blocks) and its command-line options (-D, -f, -t, -i ...). A module's code runs only when server.modules loads it; the analyzer names a module by its keys. The default is lighttpd with a minimal configuration (server.document-root, server.port) and no module beyond those it loads by default.",
   "- Grade `requires` twice: STRICT (as above) and LENIENT (RIGHT also when it misses only a second, secondary condition while every key it names is really involved).",
   "E rows STRICT and LENIENT (right/total each), N rows STRICT and LENIENT, P rows processes and facility"),
 "dnsmasq": ("dnsmasq's options are its long options, the same on the command line and in dnsmasq.conf (such as --log-queries, --log-dhcp, --dhcp-range, --server, --interface, --auth-zone; short forms like -q). The default is dnsmasq started with no option at all (a DNS forwarder reading /etc/resolv.conf).",
   "",
   "E rows right/total, N rows right/total, P rows processes and facility"),
}
def make_req(name, project, version, seed, ne, nn, npr):
    out = os.path.join(aud, name)
    subprocess.run([sys.executable, os.path.join(T, "..", "sample.py"), os.path.join(cat, f"{project}-{version}.json"),
                    str(seed), out, str(ne), str(nn), str(npr)], check=True)
    ctx, rules, counts = CTX[project]
    t = (req.replace("@TREE@", f"/work/trees/{project}-{version}").replace("@HARDSTOP@", hard)
         .replace("@PROJECT@", project).replace("@VERSION@", version).replace("@CONTEXT@", ctx)
         .replace("@OUT@", out).replace("@RULES@", rules).replace("@COUNTS@", counts))
    open(os.path.join(aud, "prompts", name + ".txt"), "w").write(t)
def make_diff(name, project, old, new, dfile, seed, kinds):
    out = os.path.join(aud, name)
    subprocess.run([sys.executable, os.path.join(T, "..", "dsample.py"), os.path.join(cat, dfile), str(seed), out, "15", kinds], check=True)
    t = (dif.replace("@OLDTREE@", f"/work/trees/{project}-{old}").replace("@NEWTREE@", f"/work/trees/{project}-{new}")
         .replace("@OLD@", old).replace("@NEW@", new).replace("@HARDSTOP@", hard).replace("@PROJECT@", project)
         .replace("@OUT@", out))
    open(os.path.join(aud, "prompts", name + ".txt"), "w").write(t)
S = int(os.environ.get("SEEDBASE", "14100"))
make_req("kreq1", "keepalived", "2.3.4", S + 1, 10, 10, 0)
make_req("kreq2", "keepalived", "2.3.4", S + 2, 10, 10, 0)
make_req("kproc", "keepalived", "2.3.4", S + 3, 0, 0, 20)
make_req("lreq1", "lighttpd", "1.4.85", S + 4, 10, 10, 10)
make_req("lreq2", "lighttpd", "1.4.85", S + 5, 10, 10, 10)
make_req("dreq1", "dnsmasq", "2.90", S + 6, 10, 10, 5)
make_req("dreq2", "dnsmasq", "2.90", S + 7, 10, 10, 5)
make_diff("dk1", "keepalived", "2.2.7", "2.3.3", "diff-k.json", S + 11, "added,removed,merged")
make_diff("dk2", "keepalived", "2.2.7", "2.3.3", "diff-k.json", S + 12, "changed,moved")
make_diff("dl1", "lighttpd", "1.4.69", "1.4.79", "diff-l.json", S + 13, "added,removed,merged")
make_diff("dl2", "lighttpd", "1.4.69", "1.4.79", "diff-l.json", S + 14, "changed,moved")
print("prompts in", os.path.join(aud, "prompts"))

#!/bin/sh
# How the logs beside this script were captured (run as root on Debian 12; not run by the tests).
#
# Debian's keepalived (1:2.2.7-1+b2) and lighttpd (1.4.69-1) run in a network namespace of their
# own (a veth pair, one end with 192.0.2.1/24 and 198.51.100.1/24, loopback up) and a mount
# namespace of their own whose /dev/log is the socket of a private rsyslogd (rsyslog 8.2302),
# which writes every message three ways: traditional (RSYSLOG_TraditionalFileFormat), ISO
# (RSYSLOG_FileFormat) and RFC 5424 (RSYSLOG_SyslogProtocol23Format). Nothing leaves the
# namespace; only documentation addresses are used; the host name is replaced by lb1.
#
#   keepalived: default options (-n only, as Debian's unit) with a virtual server (IPVS is missing
#               in a container: it stops at once) and with VRRP only; then -D, -D -S 3,
#               -l (console). (-g, the log file, needs a build with --enable-log-file: not Debian's.)
#   lighttpd:   debug.log-request-handling, -request-header, -response-header,
#               -file-not-found, proxy.debug, to its error log and then to syslog; then without any
#               debug key (lighttpd-nodebug.log), to tell which lines appear only with one
set -eu
OUT=$(cd "$(dirname "$0")" && pwd)
W=${W:-/tmp/explain-capture}
NS=explain-cap
rm -rf "$W"; mkdir -p "$W/www" "$W/run"
echo hello > "$W/www/index.html"

cat > "$W/rsyslog.conf" <<EOF
global(workDirectory="$W/run")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$W/log.sock" CreatePath="on")
*.* action(type="omfile" file="$W/syslog.txt" template="RSYSLOG_TraditionalFileFormat")
*.* action(type="omfile" file="$W/syslog-iso.txt" template="RSYSLOG_FileFormat")
*.* action(type="omfile" file="$W/syslog-5424.txt" template="RSYSLOG_SyslogProtocol23Format")
EOF
rsyslogd -n -f "$W/rsyslog.conf" -i "$W/run/rsyslogd.pid" &
RSYSLOG=$!
sleep 1

. "$OUT/netns.sh"
netns_up $NS

cat > "$W/keepalived.conf" <<EOF
global_defs {
    router_id lb1
}
vrrp_instance VI_1 {
    state BACKUP
    interface dum0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
}
EOF
# A virtual server needs the kernel's IPVS: without it (a container) the checker stops keepalived at
# once. The first run keeps it (those lines are real too); the others run VRRP with a tracked script.
cp "$W/keepalived.conf" "$W/keepalived-vrrp.conf"
cat >> "$W/keepalived-vrrp.conf" <<EOF
vrrp_script chk_true {
    script "/bin/true"
    interval 1
}
vrrp_instance VI_2 {
    state MASTER
    interface dum0
    virtual_router_id 52
    priority 150
    advert_int 1
    virtual_ipaddress {
        198.51.100.100/24
    }
    track_script {
        chk_true
    }
}
EOF
cat >> "$W/keepalived.conf" <<EOF
virtual_server 198.51.100.10 80 {
    delay_loop 2
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.0.2.1 8081 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
    real_server 192.0.2.2 8082 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
EOF

cat > "$W/lighttpd.conf" <<EOF
server.modules = ("mod_access", "mod_proxy")
server.document-root = "$W/www"
server.bind = "192.0.2.1"
server.port = 8081
server.errorlog = "$W/lighttpd-error.log"
server.pid-file = "$W/run/lighttpd.pid"
index-file.names = ("index.html")
debug.log-request-handling = "enable"
debug.log-request-header = "enable"
debug.log-response-header = "enable"
debug.log-file-not-found = "enable"
proxy.debug = 1
\$HTTP["url"] =~ "^/api/" {
    proxy.server = ("" => (("host" => "198.51.100.1", "port" => 8090)))
}
EOF
sed -e 's|^server.errorlog = .*|server.errorlog-use-syslog = "enable"|' "$W/lighttpd.conf" > "$W/lighttpd-syslog.conf"
# the same server without any debug key: which lines appear only with one
sed -e '/^debug\./d; /^proxy.debug/d; s|lighttpd-error.log|lighttpd-nodebug.log|' "$W/lighttpd.conf" > "$W/lighttpd-nodebug.conf"

# in_ns CMD...: run in the network namespace with a private /dev whose log is our rsyslogd.
in_ns() {
    ip netns exec $NS unshare -m sh -c '
        set -e
        mkdir -p "$0/olddev"; mount --bind /dev "$0/olddev"; mount -t tmpfs tmpfs /dev
        for n in null zero random urandom full tty; do touch /dev/$n; mount --bind "$0/olddev/$n" /dev/$n; done
        ln -s /proc/self/fd /dev/fd; ln -s "$0/log.sock" /dev/log; mkdir /dev/shm /dev/pts
        shift; exec "$@"' "$W" x "$@"
}

keepalived_run() {  # NAME CONFIG OPTIONS...: start, let VRRP settle, reload, stop
    name=$1; conf=$2; shift 2
    in_ns keepalived -n -f "$W/$conf" -p "$W/run/k.pid" -r "$W/run/v.pid" -c "$W/run/c.pid" "$@" \
        2> "$W/keepalived-$name.stderr" &
    job=$!
    sleep 6
    if [ -f "$W/run/k.pid" ]; then
        kill -HUP "$(cat "$W/run/k.pid")"; sleep 3
        kill -TERM "$(cat "$W/run/k.pid")"
    fi
    wait $job || true
    for f in k v c; do  # a child left behind when the parent stops on a fatal error
        [ -f "$W/run/$f.pid" ] && kill -TERM "$(cat "$W/run/$f.pid")" 2>/dev/null || true
    done
    sleep 2
    rm -f "$W/run/k.pid" "$W/run/v.pid" "$W/run/c.pid"
}

in_ns lighttpd -D -f "$W/lighttpd.conf" &
LIGHTTPD=$!
sleep 1
keepalived_run ipvs keepalived.conf
keepalived_run default keepalived-vrrp.conf
keepalived_run D keepalived-vrrp.conf -D
keepalived_run DS3 keepalived-vrrp.conf -D -S 3
keepalived_run console keepalived-vrrp.conf -l

requests() {
    in_ns curl -s -o /dev/null http://192.0.2.1:8081/ || true
    in_ns curl -s -o /dev/null http://192.0.2.1:8081/missing.html || true
    in_ns curl -s -o /dev/null http://192.0.2.1:8081/api/items || true
    in_ns curl -s -o /dev/null -H "$(printf 'X-Odd: a\001b')" http://192.0.2.1:8081/ || true
}
requests
kill -INT "$(cat "$W/run/lighttpd.pid")"; wait $LIGHTTPD || true
in_ns lighttpd -D -f "$W/lighttpd-syslog.conf" &
LIGHTTPD=$!
sleep 1
requests
kill -INT "$(cat "$W/run/lighttpd.pid")"; wait $LIGHTTPD || true
in_ns lighttpd -D -f "$W/lighttpd-nodebug.conf" &
LIGHTTPD=$!
sleep 1
requests
kill -INT "$(cat "$W/run/lighttpd.pid")"; wait $LIGHTTPD || true
sleep 1
kill $RSYSLOG; wait $RSYSLOG || true
ip netns del $NS

host=$(hostname)
for pair in syslog.txt:keepalived-lighttpd-syslog.log syslog-iso.txt:keepalived-lighttpd-syslog-iso.log \
            syslog-5424.txt:keepalived-lighttpd-syslog-5424.log lighttpd-error.log:lighttpd-error.log \
            keepalived-console.stderr:keepalived-console.log lighttpd-nodebug.log:lighttpd-nodebug.log; do
    sed -e "s/\b$host\b/lb1/g" "$W/${pair%%:*}" > "$OUT/${pair#*:}"
done

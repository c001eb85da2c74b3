#!/bin/sh
# How keepalived-logfile-*.log beside this script were captured (run as root; not run by the tests).
#
# keepalived's own log file (-g, --log-file=FILE) needs a build configured with --enable-log-file:
# Debian 12's 1:2.2.7-1+b2 lacks it, Debian sid's 1:2.3.4-1+b2 has it (its
# /etc/keepalived/keepalived.config-opts lists --enable-log-file). That package and the sid
# libraries it needs (libc6, libglib2.0-0t64, libnl-3-200, libnl-genl-3-200, libnl-route-3-200,
# libsnmp45, libperl5.42, libssl3t64, libsystemd0, libnftnl11, libmnl0, libpcre2-8-0 and their
# own dependencies) were fetched with `apt-get download` through a private sources list for sid
# (Dir::Etc::SourceParts, Dir::State::Lists and Dir::Cache pointed at a scratch directory, so the
# host's apt was not touched), unpacked with `dpkg-deb -x` into $ROOT, and keepalived run by sid's
# loader. keepalived reads its build options from argv[0].config-opts when the packaged file is
# missing: the package's keepalived.config-opts is copied beside the binary.
#
# Two runs in a network namespace of their own (a veth pair, 192.0.2.1/24 and 198.51.100.1/24):
# default options and -D, each started, reloaded (SIGHUP) and stopped (SIGTERM). keepalived
# writes FILE for the parent and FILE_vrrp for the VRRP child. Paths were then rewritten:
# $ROOT/keepalived -> /usr/sbin/keepalived, the capture directory -> /tmp/capture.
set -u
ROOT=${ROOT:-/tmp/sid-root}          # the unpacked packages, with keepalived and keepalived.config-opts at its top
W=${W:-/tmp/capture}
OUT=$(cd "$(dirname "$0")" && pwd)
NS=explain-capg
mkdir -p "$W/run"
cat > "$W/k.conf" <<CONF
global_defs {
    router_id lb1
}
vrrp_script chk_true {
    script "/bin/true"
    interval 1
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
CONF
. "$OUT/netns.sh"
netns_up $NS
run() {  # NAME OPTIONS...
    name=$1; shift
    rm -f "$W"/run/*.pid
    ip netns exec $NS unshare -m sh -c "mount -t tmpfs tmpfs /dev/shm 2>/dev/null; exec $ROOT/usr/lib64/ld-linux-x86-64.so.2 --library-path $ROOT/usr/lib/x86_64-linux-gnu $ROOT/keepalived -n -f $W/k.conf -p $W/run/k.pid -r $W/run/v.pid -c $W/run/c.pid --log-file=$W/$name.log $*" > "$W/$name.stdout" 2>&1 &
    job=$!
    sleep 6
    [ -f "$W/run/k.pid" ] && kill -HUP "$(cat "$W/run/k.pid")"; sleep 3
    [ -f "$W/run/k.pid" ] && kill -TERM "$(cat "$W/run/k.pid")"
    wait $job
    sleep 1
}
run g
run gD -D
ip netns del $NS
for f in g g_vrrp gD gD_vrrp; do
    sed -e "s|$ROOT/keepalived|/usr/sbin/keepalived|g; s|$W|/tmp/capture|g" "$W/$f.log" > "$OUT/keepalived-logfile-$f.log"
done

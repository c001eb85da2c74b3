# Shared by capture.sh and capture-logfile.sh (sourced, not run): the network namespace the
# daemons run in. netns_up NAME: a namespace with loopback up and a veth pair whose end dum0
# holds the documentation addresses 192.0.2.1/24 and 198.51.100.1/24 (RFC 5737).
netns_up() {
    ip netns add "$1"
    ip netns exec "$1" ip link set lo up
    ip netns exec "$1" ip link add dum0 type veth peer name dum1
    ip netns exec "$1" ip link set dum1 up
    ip netns exec "$1" ip addr add 192.0.2.1/24 dev dum0
    ip netns exec "$1" ip addr add 198.51.100.1/24 dev dum0
    ip netns exec "$1" ip link set dum0 up
}

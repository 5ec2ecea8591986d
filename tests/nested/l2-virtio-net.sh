#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run by the L2 guest's init after the marker (see test-virtio-net.py).
# Kernel parameters say what to do: qnet.mode=user (address by DHCP) or
# tap or tapmq (192.168.77.2/24), qnet.peer=ADDR and qnet.port=PORT of L1's HTTP
# server.  The guest fetches /blob from it, then serves 1 MiB of random
# bytes once on TCP port 8080; each step is one "l2-report:" line.
report() { echo "l2-report: $*"; }
param() {
    for w in $(cat /proc/cmdline); do
        case "$w" in "$1"=*) echo "${w#*=}" ;; esac
    done
}
mode=$(param qnet.mode)
peer=$(param qnet.peer)
port=$(param qnet.port)

ip link set lo up
ip link set eth0 up
report mac "$(cat /sys/class/net/eth0/address)"
report driver "$(basename "$(readlink /sys/class/net/eth0/device/driver)")"
report queues $(ls /sys/class/net/eth0/queues)
if [ "$mode" = user ]; then
    cat >/tmp/udhcpc.sh <<'SCRIPT'
#!/bin/sh
case "$1" in
bound|renew)
    ip addr add "$ip/$mask" dev "$interface"
    for r in $router; do
        ip route add default via "$r" dev "$interface"
        break
    done
    echo "$ip/$mask router $router dns $dns" >/tmp/dhcp
    ;;
esac
SCRIPT
    chmod +x /tmp/udhcpc.sh
    udhcpc -i eth0 -s /tmp/udhcpc.sh -q -n -t 10 -T 2 >/dev/null 2>&1 ||
        report dhcp-failed
    [ -f /tmp/dhcp ] && report dhcp "$(cat /tmp/dhcp)"
else
    ip addr add 192.168.77.2/24 dev eth0
fi
report addr "$(ip -4 -o addr show dev eth0 | awk '{print $4}')"
if timeout 120 wget -q -O /tmp/blob "http://$peer:$port/blob" 2>/tmp/wget.err
then
    report fetched "$(sha256sum </tmp/blob | cut -d' ' -f1)" \
        "$(wc -c </tmp/blob)"
else
    report fetch-failed "$(tr '\n' ' ' </tmp/wget.err)"
fi
dd if=/dev/urandom of=/tmp/served bs=65536 count=16 2>/dev/null
report serving "$(sha256sum </tmp/served | cut -d' ' -f1)"
timeout 120 nc -l -p 8080 </tmp/served >/dev/null
report served $?
grep virtio /proc/interrupts | sed 's/^/l2-report: irq /'
report end

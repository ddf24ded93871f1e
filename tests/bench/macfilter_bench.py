"""MAC allow-list benchmark body, run inside the VM by tests/bench/macfilter.

pktgen in the namespace "mfb" sends 60-byte UDP frames through a veth pair
to bench0 in the root namespace, where the hooks are. The frames are
addressed to another host's MAC, so the stack drops them right after the
ingress hooks (ip_rcv, PACKET_OTHERHOST): what differs between the cases is
the filter. The VM has one CPU: pktgen's thread and the receive softirq
share it (netif_rx from process context runs the softirq at once), so the
rate is the inverse of send + receive time per frame, and a hook's cost per
frame is the difference against the case without any hook. One vCPU also
keeps the guest from competing with itself for the host's CPUs under TCG.

Counted: bench0's rx_packets (frames handed to its receive path) over a
fixed window, checked against the "processed" counts of
/proc/net/softnet_stat, and, for irsend, against its own accepted/dropped
counters (the frames went through the hook).

Under TCG the host's other work slows the guest in spells of seconds, more
than a hook costs. So pktgen runs throughout, the filters are switched
between short windows, and each case is measured right after a window of
the baseline; a case's cost is its ns/frame minus the mean of the baseline
windows around it, and the medians over the rounds are printed.
"""
import json, os, statistics, subprocess, sys, time

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
CTL = os.path.abspath("build/bin/irsendctl")
NS = "mfb"
SENDER_MAC = "02:00:5e:50:00:01"
OTHER_MAC = "02:00:5e:59:99:99"  # nobody's: frames die after the hooks
# 100 listed addresses; in the pass cases the sender's is the last one.
LISTED = ["02:00:5e:51:00:%02x" % i for i in range(100)]


def sh(cmd, check=True):
    r = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if check and r.returncode:
        sys.exit("bench: %s: exit %d: %s" % (cmd, r.returncode, r.stdout.strip()))
    return r.stdout


def in_ns(cmd, check=True):
    return sh("ip netns exec %s sh -c '%s'" % (NS, cmd), check)


def read_int(path):
    with open(path) as f:
        return int(f.read())


def softnet_processed():
    total = 0
    with open("/proc/net/softnet_stat") as f:
        for line in f:
            total += int(line.split()[0], 16)
    return total


def setup():
    sh("ip netns add %s" % NS)
    sh("ip link add bench0 type veth peer name eth0 netns %s" % NS)
    # No IPv6 (no router solicitations, MLD): only pktgen's frames arrive.
    sh("sysctl -qw net.ipv6.conf.bench0.disable_ipv6=1")
    in_ns("sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1")
    in_ns("ip link set eth0 address %s && ip link set eth0 up" % SENDER_MAC)
    sh("ip link set bench0 up")
    sh("modprobe pktgen")
    p = "/proc/net/pktgen"
    in_ns("echo rem_device_all > %s/kpktgend_0 && echo add_device eth0 > %s/kpktgend_0" % (p, p))
    # veth cannot share one skb between sends (no IFF_TX_SKB_SHARING): clone_skb 0.
    for c in ["count 0", "clone_skb 0", "pkt_size 60", "delay 0", "dst 198.18.30.1",
              "dst_mac %s" % OTHER_MAC, "udp_dst_min 9", "udp_dst_max 9"]:
        in_ns("echo %s > %s/eth0" % (c, p))


def window():
    """Frames/s through bench0 over SECONDS (pktgen is running)."""
    time.sleep(0.1)  # past the switch
    rx = "/sys/class/net/bench0/statistics/rx_packets"
    r0, p0, t0 = read_int(rx), softnet_processed(), time.monotonic()
    time.sleep(SECONDS)
    r1, p1, t1 = read_int(rx), softnet_processed(), time.monotonic()
    frames, processed = r1 - r0, p1 - p0
    # Every frame counted on bench0 went through the receive core (softnet
    # also counts the odd other frame, hence >=).
    if frames <= 0 or processed < frames * 0.98:
        sys.exit("bench: rx %d frames but softnet processed %d" % (frames, processed))
    return frames / (t1 - t0), frames


def irsend_stats():
    return json.loads(sh(CTL + " macfilter stats --json"))


def irsend_apply(n, sender, on):
    """The list and state through one "irsendctl macfilter apply" of a saved file."""
    macs = LISTED[:n - 1] + [SENDER_MAC] if sender else LISTED[:n]
    path = "/tmp/mfbench-%d-%d-%d.conf" % (n, sender, on)
    with open(path, "w") as f:
        f.write("enabled %s\n" % ("on" if on else "off"))
        f.writelines("mac %s\n" % m for m in (macs if n else []))
    sh("%s macfilter apply --store %s" % (CTL, path))


NFT_TABLE = """table netdev mfbench {
    set allow { type ether_addr; elements = { %s } }
    chain in { type filter hook ingress device "bench0" priority 0; policy accept;
               ether saddr != @allow drop; }
}
"""
state = {"module": False, "nft": False}


def nft_load(sender):
    macs = LISTED[:99] + [SENDER_MAC] if sender else LISTED
    with open("/tmp/mfbench.nft", "w") as f:
        f.write(NFT_TABLE % ", ".join(macs))
    sh("nft -f /tmp/mfbench.nft")
    state["nft"] = True


def baseline(module):
    """No filter: irsend's hook present but off (module) or no hook at all."""
    if state["nft"]:
        sh("nft delete table netdev mfbench")
        state["nft"] = False
    if module and not state["module"]:
        sh("insmod kmod/irsend.ko")
    elif not module and state["module"]:
        sh("rmmod irsend")
    elif module:
        sh(CTL + " macfilter off --no-save")
    state["module"] = module


def irsend_case(n, sender):
    def run():
        irsend_apply(n, sender, True)
        s0 = irsend_stats()
        fps, frames = window()
        s1 = irsend_stats()
        key = "accepted" if sender else "dropped"
        if s1[key] - s0[key] < frames:
            sys.exit("bench: irsend %s %d < rx %d" % (key, s1[key] - s0[key], frames))
        return fps
    return run


def nft_case(sender):
    def run():
        nft_load(sender)
        return window()[0]
    return run


NONE, OFF = "none (no hook at all)", "irsend loaded, filter off"
CASES = [("irsend 1 MAC, pass", irsend_case(1, True)),
         ("irsend 10 MACs, pass", irsend_case(10, True)),
         ("irsend 50 MACs, pass", irsend_case(50, True)),
         ("irsend 100 MACs, pass", irsend_case(100, True)),
         ("nftables set of 100, pass", nft_case(True)),
         ("irsend 100 MACs, drop", irsend_case(100, False)),
         ("nftables set of 100, drop", nft_case(False))]


def main():
    setup()
    gen = subprocess.Popen(["ip", "netns", "exec", NS, "sh", "-c",
                            "echo start > /proc/net/pktgen/pgctrl"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    fps = {name: [] for name in [NONE, OFF] + [c[0] for c in CASES]}
    cost = {name: [] for name in fps}  # ns/frame over the "off" windows around it
    ratio = {name: [] for name in fps}  # frames/s over the same
    for r in range(ROUNDS):
        baseline(False)
        fps[NONE].append(window()[0])
        baseline(True)
        offs = [window()[0]]
        fps[OFF].append(offs[0])
        cost[OFF].append(1e9 / offs[0] - 1e9 / fps[NONE][-1])
        ratio[OFF].append(offs[0] / fps[NONE][-1])
        for name, run in CASES:
            v = run()
            baseline(True)
            offs.append(window()[0])
            ref = 2 / (1 / offs[-2] + 1 / offs[-1])  # mean of ns/frame, as a rate
            fps[name].append(v)
            cost[name].append(1e9 / v - 1e9 / ref)
            ratio[name].append(v / ref)
        print("# round %d/%d done" % (r + 1, ROUNDS), flush=True)
    in_ns("echo stop > /proc/net/pktgen/pgctrl")
    gen.wait()
    baseline(False)

    med = {k: statistics.median(v) for k, v in fps.items()}
    mcost = {k: statistics.median(v) for k, v in cost.items() if v}
    mratio = {k: statistics.median(v) for k, v in ratio.items() if v}
    print("MAC allow-list: 60-byte frames from pktgen through a veth pair; one vCPU "
          "sends and receives (TCG)")
    print("median of %d rounds, %.1f s windows; frames counted by bench0's rx_packets; "
          "cost and ratio against the filter-off windows around each case"
          % (ROUNDS, SECONDS))
    print("%-28s %10s %9s %11s %9s" % ("case", "frames/s", "ns/frame", "cost ns", "vs off"))
    for k in fps:
        c = "%11.0f" % mcost[k] if k in mcost else "%11s" % "-"
        q = "%9.3f" % mratio[k] if k in mratio else "%9s" % "-"
        print("%-28s %10.0f %9.0f %s %s" % (k, med[k], 1e9 / med[k], c, q))
    ir, nf = "irsend 100 MACs, pass", "nftables set of 100, pass"
    ird, nfd = "irsend 100 MACs, drop", "nftables set of 100, drop"
    # The per-round ratios of two cases each measured against its own baseline.
    both = lambda a, b: statistics.median(x / y for x, y in zip(ratio[a], ratio[b]))
    print("ratio irsend/nftables frames/s (100 MACs, pass): %.3f" % both(ir, nf))
    print("ratio irsend/nftables frames/s (100 MACs, drop): %.3f" % both(ird, nfd))
    print("ratio irsend/none frames/s (100 MACs, pass):     %.3f"
          % (mratio[ir] * mratio[OFF]))
    print("cost per frame: irsend %.0f ns, nftables %.0f ns (pass); irsend %.0f ns, "
          "nftables %.0f ns (drop)" % (mcost[ir], mcost[nf], mcost[ird], mcost[nfd]))
    print("irsend cost 1/10/50/100 MACs: %s ns" % " / ".join(
        "%.0f" % mcost[k] for k, _ in CASES[:4]))


main()

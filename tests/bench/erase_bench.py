"""Erase benchmark body, run inside the VM by tests/bench/erase."""
import os, subprocess, sys, time
sys.path.insert(0, "tests/lib")
import irsend_ioctl as io

dev = "/dev/vdb"
size = int(open("/sys/class/block/vdb/size").read()) * 512
fd = io.open_dev()
io.attach(fd, "/dev/vda", dev, fmt=True)
results = {}

def timed(name, fn):
    t0 = time.monotonic()
    fn()
    results[name] = time.monotonic() - t0

def erase(mode, flags=0):
    def run():
        io.erase_start(fd, mode, flags)
        st = io.wait_until(fd, lambda s: s["state"] != 1, 3000)
        assert st["state"] == 2, st
    return run

def sh(cmd):
    return lambda: subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)

timed("dd zeros (oflag=direct bs=1M)", sh("dd if=/dev/zero of=%s bs=1M oflag=direct" % dev
                                          + " count=%d" % (size >> 20)))
timed("irsend zero1", erase(1))
timed("shred -n1 (random, 1 pass)", sh("shred -n1 %s" % dev))
timed("irsend random1", erase(2))
timed("irsend random1 + verify", erase(2, 1))
timed("irsend random3", erase(3))

mb = size / 1e6
print("data device: %d MiB, one VM (TCG unless KVM works), same device for all" % (size >> 20))
for name, secs in results.items():
    passes = 3 if "random3" in name else 1
    print("%-34s %7.1f MB/s  (%.2f s)" % (name, passes * mb / secs, secs))
rate = {k: (3 if "random3" in k else 1) * mb / v for k, v in results.items()}
print("ratio zero1 / dd:                %.2f" % (rate["irsend zero1"] / rate["dd zeros (oflag=direct bs=1M)"]))
print("ratio random1 / shred -n1:       %.2f" % (rate["irsend random1"] / rate["shred -n1 (random, 1 pass)"]))
print("ratio random3 / shred -n1:       %.2f" % (rate["irsend random3"] / rate["shred -n1 (random, 1 pass)"]))

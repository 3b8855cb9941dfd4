#!/usr/bin/python3
# A VM's virtio-net device without a VM: this process plays the guest's driver for
# /dev/vhost-net, as the kernel's own vhost-net test does. Its memory (one region, guest
# physical == user address) holds two split virtqueues, 0 = rx (host -> "guest"), 1 = tx,
# with a kick and a call eventfd each, and the tap TAP (attached here with a vnet header)
# as the backend. vhost-net's worker then runs its real path: handle_rx drains the tap's
# ring into the buffers posted here, handle_tx sends the frames queued here into the tap,
# and each completion batch signals the queue's call eventfd, whose counter this process
# reads: the ground truth of the vhost tools' signal counts.
#
#   vhost_user.py TAP DIR        (run in the tap's namespace; DIR: the lab's VM directory)
#
# Commands, one per line, into the fifo DIR/cmd; after each, DIR/state is rewritten
# (atomically, "seq" = the number of commands done) as one JSON object:
#   rx N     post N receive buffers (2 KiB) and kick the rx queue
#   tx N     queue N frames (to the tap's MAC, ethertype 0x88b5: the host drops them
#            quietly) and kick the tx queue
#   irq Q on|off
#            queue Q (rx, tx) wants interrupts or not (VRING_AVAIL_F_NO_INTERRUPT in its
#            avail flags: vhost then completes without signalling)
#   backend Q on|off
#            the tap as queue Q's backend, or none (vhost then leaves the tap alone)
#   state    only rewrite the state
# State: pid; per queue (rx, tx): call_fd, kick_fd (this process's fd numbers), kicks
# (writes to the kick eventfd), posted (descriptors made available), used (the used
# ring's index, as vhost left it), signals (everything read from the call eventfd so far).
import ctypes, fcntl, json, mmap, os, struct, sys

TAP, DIR = sys.argv[1], sys.argv[2]
NUM = 256                       # descriptors per queue
BUF = 2048                      # bytes per buffer
VNET_HDR = 10                   # struct virtio_net_hdr: the tap's header, features 0


def _ioc(d, nr, size):
    return (d << 30) | (size << 16) | (0xAF << 8) | nr


VHOST_SET_OWNER = _ioc(0, 0x01, 0)
VHOST_SET_FEATURES = _ioc(1, 0x00, 8)
VHOST_SET_MEM_TABLE = _ioc(1, 0x03, 8)
VHOST_SET_VRING_NUM = _ioc(1, 0x10, 8)
VHOST_SET_VRING_ADDR = _ioc(1, 0x11, 40)
VHOST_SET_VRING_BASE = _ioc(1, 0x12, 8)
VHOST_SET_VRING_KICK = _ioc(1, 0x20, 8)
VHOST_SET_VRING_CALL = _ioc(1, 0x21, 8)
VHOST_NET_SET_BACKEND = _ioc(1, 0x30, 8)
TUNSETIFF = 0x400454CA
IFF_TAP, IFF_NO_PI, IFF_VNET_HDR = 0x0002, 0x1000, 0x4000
VRING_DESC_F_WRITE = 2
VRING_AVAIL_F_NO_INTERRUPT = 1

# memory: the two rings (16 KiB each), then NUM buffers per queue
RING_SPAN = 16384
MEM_SIZE = 2 * RING_SPAN + 2 * NUM * BUF
mem = mmap.mmap(-1, MEM_SIZE)
base = ctypes.addressof(ctypes.c_char.from_buffer(mem))


class Queue:
    def __init__(self, index, name):
        self.index, self.name = index, name
        self.off = index * RING_SPAN
        self.desc = self.off                        # NUM x {u64 addr, u32 len, u16 flags, next}
        self.avail = self.off + 16 * NUM            # {u16 flags, idx, ring[NUM], used_event}
        self.used = (self.avail + 4 + 2 * NUM + 2 + 3) & ~3  # {u16 flags, idx, {u32 id, len}[NUM]}
        self.bufs = 2 * RING_SPAN + index * NUM * BUF
        self.kick, self.call = os.eventfd(0), os.eventfd(0, os.EFD_NONBLOCK)
        self.posted = self.kicks = self.signals = 0

    def post(self, n, write, frame=b""):
        for _ in range(n):
            slot = self.posted % NUM
            addr = base + self.bufs + slot * BUF
            length = BUF
            if not write:
                mem[self.bufs + slot * BUF:self.bufs + slot * BUF + len(frame)] = frame
                length = len(frame)
            struct.pack_into("<QIHH", mem, self.desc + 16 * slot, addr, length,
                             VRING_DESC_F_WRITE if write else 0, 0)
            struct.pack_into("<H", mem, self.avail + 4 + 2 * slot, slot)
            self.posted += 1
        # the ring entries before the index that publishes them (x86: stores stay in order)
        struct.pack_into("<H", mem, self.avail + 2, self.posted & 0xffff)
        os.write(self.kick, struct.pack("<Q", 1))
        self.kicks += 1

    def interrupts(self, on):
        struct.pack_into("<H", mem, self.avail, 0 if on else VRING_AVAIL_F_NO_INTERRUPT)

    def used_idx(self):
        return struct.unpack_from("<H", mem, self.used + 2)[0]

    def read_signals(self):
        try:
            self.signals += struct.unpack("<Q", os.read(self.call, 8))[0]
        except BlockingIOError:
            pass

    def state(self):
        self.read_signals()
        return {"call_fd": self.call, "kick_fd": self.kick, "kicks": self.kicks,
                "posted": self.posted, "used": self.used_idx(), "signals": self.signals}


def setup():
    tap = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(tap, TUNSETIFF, struct.pack("16sH", TAP.encode(), IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
    vh = os.open("/dev/vhost-net", os.O_RDWR)
    fcntl.ioctl(vh, VHOST_SET_OWNER)
    fcntl.ioctl(vh, VHOST_SET_FEATURES, struct.pack("<Q", 0))
    fcntl.ioctl(vh, VHOST_SET_MEM_TABLE, struct.pack("<II", 1, 0) +
                struct.pack("<QQQQ", base, MEM_SIZE, base, 0))
    queues = [Queue(0, "rx"), Queue(1, "tx")]
    for q in queues:
        fcntl.ioctl(vh, VHOST_SET_VRING_NUM, struct.pack("<II", q.index, NUM))
        fcntl.ioctl(vh, VHOST_SET_VRING_BASE, struct.pack("<II", q.index, 0))
        fcntl.ioctl(vh, VHOST_SET_VRING_ADDR, struct.pack("<IIQQQQ", q.index, 0, base + q.desc,
                                                          base + q.used, base + q.avail, 0))
        fcntl.ioctl(vh, VHOST_SET_VRING_KICK, struct.pack("<Ii", q.index, q.kick))
        fcntl.ioctl(vh, VHOST_SET_VRING_CALL, struct.pack("<Ii", q.index, q.call))
        fcntl.ioctl(vh, VHOST_NET_SET_BACKEND, struct.pack("<Ii", q.index, tap))
    return tap, vh, queues


def tap_mac():
    with open("/sys/class/net/%s/address" % TAP) as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def main():
    tap, vh, (rx, tx) = setup()
    frame = bytes(VNET_HDR) + tap_mac() + bytes.fromhex("02005e100077") + b"\x88\xb5" + \
        b"nettrail vhost tx".ljust(46, b".")
    fifo = os.path.join(DIR, "cmd")
    os.mkfifo(fifo)
    seq = 0

    def write_state():
        doc = {"seq": seq, "pid": os.getpid(), "vhost_fd": vh, "tap_fd": tap,
               "rx": rx.state(), "tx": tx.state()}
        with open(os.path.join(DIR, "state.tmp"), "w") as f:
            json.dump(doc, f)
        os.rename(os.path.join(DIR, "state.tmp"), os.path.join(DIR, "state"))

    write_state()
    open(os.path.join(DIR, "ready"), "w").close()
    while True:
        with open(fifo) as f:       # one writer at a time: a command per open
            for line in f:
                words = line.split()
                if not words:
                    continue
                if words[0] == "rx":
                    rx.post(int(words[1]), True)
                elif words[0] == "tx":
                    tx.post(int(words[1]), False, frame)
                elif words[0] == "backend":
                    fcntl.ioctl(vh, VHOST_NET_SET_BACKEND, struct.pack(
                        "<Ii", {"rx": 0, "tx": 1}[words[1]], tap if words[2] == "on" else -1))
                elif words[0] == "irq":
                    {"rx": rx, "tx": tx}[words[1]].interrupts(words[2] == "on")
                elif words[0] != "state":
                    print("vhost_user: unknown command %r" % line, file=sys.stderr)
                seq += 1
                write_state()


main()

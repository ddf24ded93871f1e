"""Just enough of the /dev/irsend ioctls for multi-boot VM tests."""
import ctypes
import fcntl
import os
import struct
import time

MAGIC = 0xB8


def _ioc(direction, nr, size):
    return (direction << 30) | (size << 16) | (MAGIC << 8) | nr


IOW, IOWR = 1, 3
DISK_ATTACH = _ioc(IOW, 0x20, 264)
NVRAM_GET = _ioc(IOWR, 0x23, 40)
NVRAM_SET = _ioc(IOW, 0x24, 40)
ERASE_START = _ioc(IOW, 0x25, 16)
ERASE_STATUS = _ioc(IOWR, 0x26, 96)
STATUS_FMT = "<10I7Q"
STATUS_FIELDS = ("size state mode flags pass passes verify_result error resumed seq "
                 "bytes_done bytes_total bytes_written rate start_time end_time first_bad").split()


def open_dev():
    return os.open("/dev/irsend", os.O_RDWR)


def attach(fd, nvram, data, fmt=False):
    buf = struct.pack("<II128s128s", 264, 1 if fmt else 0, nvram.encode(), data.encode())
    fcntl.ioctl(fd, DISK_ATTACH, buf)


def nvram_set(fd, rtype, data):
    buf = ctypes.create_string_buffer(bytes(data), max(len(data), 1))
    req = struct.pack("<4IQQII", 40, rtype, 0, len(data), 0, ctypes.addressof(buf), 0, 0)
    fcntl.ioctl(fd, NVRAM_SET, req)


def nvram_get(fd, rtype, capacity=4096):
    buf = ctypes.create_string_buffer(capacity)
    req = bytearray(struct.pack("<4IQQII", 40, rtype, 0, 0, 0, ctypes.addressof(buf), capacity, 0))
    fcntl.ioctl(fd, NVRAM_GET, req)
    length = struct.unpack_from("<I", req, 12)[0]
    return buf.raw[:length]


def erase_start(fd, mode, flags=0, max_mbps=0):
    fcntl.ioctl(fd, ERASE_START, struct.pack("<4I", 16, mode, flags, max_mbps))


def erase_status(fd):
    buf = bytearray(struct.pack(STATUS_FMT, 96, *([0] * 16)))
    fcntl.ioctl(fd, ERASE_STATUS, buf)
    return dict(zip(STATUS_FIELDS, struct.unpack(STATUS_FMT, buf)))


def wait_until(fd, predicate, timeout):
    end = time.time() + timeout
    while time.time() < end:
        st = erase_status(fd)
        if predicate(st):
            return st
        time.sleep(0.05)
    raise TimeoutError(erase_status(fd))

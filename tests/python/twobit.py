"""A UCSC .2bit writer written from the format's description
(https://genome.ucsc.edu/FAQ/FAQformat.html#format7), independent of the Rust reader, so a
test can give prepare-genome a .2bit made from known FASTA records.

Layout: a header (signature 0x1A412743, version 0, sequence count, reserved), an index of
(name length, name, offset of the record), then per record: dnaSize, nBlockCount with the
blocks' starts and sizes, maskBlockCount with starts and sizes, reserved, and the bases
packed four to a byte, first base in the high bits, T=0 C=1 A=2 G=3. N runs (N or n) are N
blocks; lower-case runs (n included) are mask blocks; N bases are packed as T, as UCSC's
faToTwoBit does. Every 32-bit field is in the byte order asked for (`<` little-endian, as
faToTwoBit writes on x86, or `>` big-endian)."""

import re
import struct

SIGNATURE = 0x1A412743
CODE = {"T": 0, "C": 1, "A": 2, "G": 3, "N": 0}


def runs(pattern, seq):
    """(starts, sizes) of the runs of `pattern` in `seq`."""
    found = [(m.start(), m.end() - m.start()) for m in re.finditer(pattern, seq)]
    return [s for s, _ in found], [n for _, n in found]


def pack(seq):
    """The bases of `seq`, four to a byte, the last byte padded with T (0)."""
    upper = seq.upper()
    out = bytearray()
    for i in range(0, len(upper), 4):
        quad = upper[i:i + 4].ljust(4, "T")
        byte = 0
        for b in quad:
            byte = (byte << 2) | CODE[b]
        out.append(byte)
    return bytes(out)


def record(seq, order):
    n_starts, n_sizes = runs("[Nn]+", seq)
    m_starts, m_sizes = runs("[a-z]+", seq)
    u32 = lambda values: struct.pack(f"{order}{len(values)}I", *values)
    return b"".join([
        u32([len(seq), len(n_starts)]), u32(n_starts), u32(n_sizes),
        u32([len(m_starts)]), u32(m_starts), u32(m_sizes),
        u32([0]), pack(seq),
    ])


def write_2bit(path, records, order="<"):
    """Writes `records` ((name, sequence of ACGTN in any case) pairs) to `path` as .2bit."""
    if set("".join(s for _, s in records).upper()) - set("ACGTN"):
        raise ValueError("a .2bit holds A, C, G, T and N only")
    header = struct.pack(f"{order}4I", SIGNATURE, 0, len(records), 0)
    index_size = sum(1 + len(name.encode()) + 4 for name, _ in records)
    bodies = [record(seq, order) for _, seq in records]
    offset = len(header) + index_size
    index = bytearray()
    for (name, _), body in zip(records, bodies):
        index += struct.pack("B", len(name.encode())) + name.encode()
        index += struct.pack(f"{order}I", offset)
        offset += len(body)
    with open(path, "wb") as f:
        f.write(header + bytes(index) + b"".join(bodies))

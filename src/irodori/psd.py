"""A Photoshop (``.psd``) writer for layered RGBA pages: RLE-compressed, with the page's resolution.

Only what irodori writes: an 8-bit RGB document whose layers are RGBA pixel
layers (alpha as each layer's transparency channel) with a name, a blend
mode (normal, multiply, screen), opacity and visibility; the merged picture
(what a reader without layer support shows); and the resolution (image
resource 1005, ``ResolutionInfo``). Every channel is PackBits run-length
coded (compression 1), as Photoshop writes them, by a vectorised NumPy
encoder: flats and line layers are long runs, so files are a fraction of the
raw size and writing takes about as long as a PNG of the picture.

Layout follows Adobe's "Photoshop File Formats Specification" (header,
colour mode data, image resources, layer and mask information, image data).
"""

from __future__ import annotations

import struct

import numpy as np

_BLEND_KEYS = {"normal": b"norm", "multiply": b"mul ", "screen": b"scrn"}
MAX_SIDE = 30_000  # the PSD format's limit (PSB goes further)


def packbits_rows(plane: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PackBits-code every row of ``plane (H, W) uint8``.

    Returns ``(counts (H,) int64, data (N,) uint8)``: the coded length of each
    row and the rows' codes one after the other. Runs of 3 or more equal
    bytes become repeat packets (``257 - n``, byte), everything between them
    literal packets (``n - 1``, n bytes), at most 128 bytes a packet.
    """
    plane = np.ascontiguousarray(plane, dtype=np.uint8)
    h, w = plane.shape
    flat = plane.ravel()
    if flat.size == 0:
        return np.zeros(h, np.int64), np.zeros(0, np.uint8)
    start = np.ones((h, w), bool)
    np.not_equal(plane[:, 1:], plane[:, :-1], out=start[:, 1:])
    run_at = np.flatnonzero(start.ravel())
    del start
    run_len = np.diff(np.append(run_at, flat.size))
    repeat = run_len >= 3

    # repeat packets: a run cut into pieces of at most 128
    r_at, r_len = run_at[repeat], run_len[repeat]
    pieces = -(-r_len // 128)
    p_run = np.repeat(np.arange(len(r_at)), pieces)
    p_k = np.arange(len(p_run)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    rep_at = r_at[p_run] + 128 * p_k
    rep_n = np.minimum(r_len[p_run] - 128 * p_k, 128)

    # literal packets: each stretch of short runs inside a row, cut into pieces of at most 128
    lit = ~repeat
    row = run_at // w
    first = lit & np.r_[True, ~lit[:-1] | (row[1:] != row[:-1])]
    seg = np.cumsum(first) - 1
    s_at = run_at[first]
    s_len = np.bincount(seg[lit], weights=run_len[lit], minlength=len(s_at)).astype(np.int64)
    pieces = -(-s_len // 128)
    p_seg = np.repeat(np.arange(len(s_at)), pieces)
    p_k = np.arange(len(p_seg)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    lit_at = s_at[p_seg] + 128 * p_k
    lit_n = np.minimum(s_len[p_seg] - 128 * p_k, 128)

    # all packets in image order
    at = np.concatenate([rep_at, lit_at])
    n = np.concatenate([rep_n, lit_n])
    is_rep = np.concatenate([np.ones(len(rep_at), bool), np.zeros(len(lit_at), bool)])
    order = np.argsort(at, kind="stable")
    at, n, is_rep = at[order], n[order], is_rep[order]
    size = np.where(is_rep, 2, 1 + n)
    off = np.cumsum(size) - size
    out = np.empty(int(size.sum()), np.uint8)
    # headers: repeat 257 - n (a single byte is the literal header 0, same two bytes); literal n - 1
    out[off] = np.where(is_rep, np.where(n > 1, 257 - n, 0), n - 1).astype(np.uint8)
    out[off[is_rep] + 1] = flat[at[is_rep]]
    lit_off, lit_at, lit_n = off[~is_rep], at[~is_rep], n[~is_rep]
    src = np.flatnonzero(np.repeat(lit, run_len))  # every byte of a literal stretch, in order
    out[src + np.repeat(lit_off + 1 - lit_at, lit_n)] = flat[src]
    counts = np.bincount(at // w, weights=size, minlength=h).astype(np.int64)
    return counts, out


def unpackbits_rows(counts: np.ndarray, data: bytes, width: int) -> np.ndarray:
    """Decode :func:`packbits_rows` output back to ``(H, W) uint8`` (for tests)."""
    rows = []
    pos = 0
    for c in counts:
        end = pos + int(c)
        row = bytearray()
        while pos < end:
            hdr = data[pos]
            pos += 1
            if hdr < 128:
                row += data[pos:pos + hdr + 1]
                pos += hdr + 1
            elif hdr > 128:
                row += bytes([data[pos]]) * (257 - hdr)
                pos += 1
        if len(row) != width:
            raise ValueError(f"row decodes to {len(row)} bytes, expected {width}")
        rows.append(np.frombuffer(bytes(row), np.uint8))
    return np.stack(rows) if rows else np.zeros((0, width), np.uint8)


def _rle_channel(plane: np.ndarray) -> bytes:
    """One layer channel: compression 1, the row byte counts (2 bytes each), the codes."""
    counts, data = packbits_rows(plane)
    return b"\x00\x01" + counts.astype(">u2").tobytes() + data.tobytes()


def _pascal(name: str, pad: int) -> bytes:
    raw = name.encode("latin-1", "replace")[:255]
    out = bytes([len(raw)]) + raw
    return out + b"\x00" * (-len(out) % pad)


def _unicode_name(name: str) -> bytes:
    """Additional layer information ``luni``: the layer name in UTF-16."""
    text = name.encode("utf-16-be")
    body = struct.pack(">I", len(name)) + text
    body += b"\x00" * (-len(body) % 4)
    return b"8BIMluni" + struct.pack(">I", len(body)) + body


def encode(layers: list[tuple[str, np.ndarray, str, bool, float, int, int]], merged: np.ndarray,
           dpi: tuple[float, float] | None = None) -> bytes:
    """A PSD file of RGBA layers, bottom to top.

    Parameters
    ----------
    layers : ``(name, rgba (h, w, 4) uint8, blend, visible, opacity, top, left)``
        per layer: its pixels over a box of the page placed at ``top, left``
        (a PSD layer has its own bounds), ``blend`` in ``normal``,
        ``multiply``, ``screen``, opacity in [0, 1].
    merged : (H, W, 3) uint8, the flattened picture stored as the document's image.
    dpi : ``(x, y)`` pixels per inch, or None for 72.

    Returns
    -------
    bytes of the file.
    """
    h, w = merged.shape[:2]
    if h > MAX_SIDE or w > MAX_SIDE:
        raise ValueError(f"PSD pages are at most {MAX_SIDE} pixels a side, got {w}x{h}")
    xdpi, ydpi = dpi if dpi is not None else (72.0, 72.0)
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, h, w, 8, 3)
    color_mode = struct.pack(">I", 0)
    res = struct.pack(">IHHIHH", int(round(xdpi * 65536)), 1, 1, int(round(ydpi * 65536)), 1, 1)
    resources = b"8BIM" + struct.pack(">H", 1005) + b"\x00\x00" + struct.pack(">I", len(res)) + res
    resources = struct.pack(">I", len(resources)) + resources

    records, channel_data = [], []
    for name, part, blend, visible, opacity, top, left in layers:
        bottom, right = top + part.shape[0], left + part.shape[1]
        chans = []
        for cid, c in ((-1, 3), (0, 0), (1, 1), (2, 2)):
            data = _rle_channel(part[..., c]) if part.size else b"\x00\x00"
            chans.append((cid, data))
        rec = struct.pack(">iiiiH", top, left, bottom, right, len(chans))
        for cid, data in chans:
            rec += struct.pack(">hI", cid, len(data))
        flags = 0x08 | (0x00 if visible else 0x02)  # bit 1 set = hidden
        rec += b"8BIM" + _BLEND_KEYS[blend] + struct.pack(">BBBx", int(round(opacity * 255)), 0, flags)
        extra = struct.pack(">I", 0) + struct.pack(">I", 0) + _pascal(name, 4) + _unicode_name(name)
        rec += struct.pack(">I", len(extra)) + extra
        records.append(rec)
        channel_data.extend(data for _, data in chans)
    info = struct.pack(">h", len(layers)) + b"".join(records) + b"".join(channel_data)
    info += b"\x00" * (len(info) % 2)
    layer_info = struct.pack(">I", len(info)) + info
    mask_info = layer_info + struct.pack(">I", 0)
    layer_and_mask = struct.pack(">I", len(mask_info)) + mask_info

    # the merged picture: all rows' byte counts for R, G, B, then their codes
    counts, codes = [], []
    for c in range(3):
        cnt, data = packbits_rows(merged[..., c])
        counts.append(cnt)
        codes.append(data)
    image = b"\x00\x01" + np.concatenate(counts).astype(">u2").tobytes() + b"".join(c.tobytes() for c in codes)
    return header + color_mode + resources + layer_and_mask + image

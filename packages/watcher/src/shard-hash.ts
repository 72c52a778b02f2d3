/**
 * FNV-1a 64, the hash the API server's `shardRange()` applies to `metadata.uid` or
 * `metadata.namespace` (over the field's UTF-8 bytes). Computed on four 16-bit limbs in small
 * integers instead of BigInt (about 15× faster; no allocation for ASCII input, which uids and
 * namespaces always are).
 */

const encoder = new TextEncoder();

/** The 64-bit result of the last {@link hashInto}, as high and low 32-bit halves. */
let hashHi = 0;
let hashLo = 0;

/** Hashes `value` into `hashHi`/`hashLo`. */
function hashInto(value: string): void {
  // Offset basis 0xcbf29ce484222325, lowest limb first.
  let a = 0x2325;
  let b = 0x8422;
  let c = 0x9ce4;
  let d = 0xcbf2;
  const length = value.length;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0x7f) {
      hashBytes(encoder.encode(value));
      return;
    }
    a ^= code;
    // × prime 0x100000001b3 mod 2^64: every limb × 0x1b3, plus the 2^40 term (a and b shifted into c and d).
    const ta = a * 0x1b3;
    const tb = b * 0x1b3 + (ta >>> 16);
    const tc = c * 0x1b3 + (tb >>> 16) + (a << 8);
    const td = d * 0x1b3 + (tc >>> 16) + (b << 8);
    a = ta & 0xffff;
    b = tb & 0xffff;
    c = tc & 0xffff;
    d = td & 0xffff;
  }
  hashHi = ((d << 16) | c) >>> 0;
  hashLo = ((b << 16) | a) >>> 0;
}

/** {@link hashInto} over bytes: the path for non-ASCII strings. */
function hashBytes(bytes: Uint8Array): void {
  let a = 0x2325;
  let b = 0x8422;
  let c = 0x9ce4;
  let d = 0xcbf2;
  for (const byte of bytes) {
    a ^= byte;
    const ta = a * 0x1b3;
    const tb = b * 0x1b3 + (ta >>> 16);
    const tc = c * 0x1b3 + (tb >>> 16) + (a << 8);
    const td = d * 0x1b3 + (tc >>> 16) + (b << 8);
    a = ta & 0xffff;
    b = tb & 0xffff;
    c = tc & 0xffff;
    d = td & 0xffff;
  }
  hashHi = ((d << 16) | c) >>> 0;
  hashLo = ((b << 16) | a) >>> 0;
}

/**
 * The FNV-1a 64 hash of `value`'s UTF-8 bytes as `0x` + 16 lowercase hex digits, the notation of
 * `shardRange()` bounds. Route a lookup to the replica whose range holds `shardHash(uid)` (or the
 * namespace, for namespace shards).
 */
export function shardHash(value: string): `0x${string}` {
  hashInto(value);
  return `0x${hashHi.toString(16).padStart(8, '0')}${hashLo.toString(16).padStart(8, '0')}`;
}

/**
 * Whether the hash of `value` lies in `[start, end)`, each bound given as its high and low 32 bits
 * (the top end `2^64` is `hi = 2^32, lo = 0`). The allocation-free test behind client-side filtering.
 */
export function hashInRange(value: string, startHi: number, startLo: number, endHi: number, endLo: number): boolean {
  hashInto(value);
  const afterStart = hashHi > startHi || (hashHi === startHi && hashLo >= startLo);
  const beforeEnd = hashHi < endHi || (hashHi === endHi && hashLo < endLo);
  return afterStart && beforeEnd;
}

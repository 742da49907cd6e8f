/**
 * A small DER reader and writer: enough ASN.1 for what the engine reads in certificates (signature
 * algorithm, issuer name, public key) and in OCSP (RFC 6960) requests and responses, and for the warm-up's
 * throwaway certificate. Input may come from a hostile server (a stapled OCSP response, a responder's
 * answer), so every read is bounded by the buffer it came from and any malformed encoding is a DerError,
 * never an exception of another kind. Why not an ASN.1 library: docs/engine.md "Library choices".
 */

export class DerError extends Error {
  override readonly name = 'DerError';
}

/** One TLV: its identifier octet, its contents, and the whole encoding (for signatures over raw bytes). */
export interface Der {
  /** The identifier octet: class, constructed bit and tag number (< 31; DER in X.509/OCSP needs no more). */
  readonly tag: number;
  /** The contents octets. */
  readonly value: Buffer;
  /** Identifier, length and contents, exactly as read. */
  readonly raw: Buffer;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
} as const;

/** [n] constructed (EXPLICIT tags, IMPLICIT constructed types). */
export const explicit = (n: number): number => 0xa0 | n;
/** [n] primitive (IMPLICIT primitive types). */
export const implicit = (n: number): number => 0x80 | n;

/** The TLV at `offset` of `buf`. */
function readAt(buf: Buffer, offset: number): Der {
  if (offset + 2 > buf.length) throw new DerError('truncated DER: no room for a tag and a length');
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError('unsupported DER: multi-byte tag');
  let len = buf[offset + 1] as number;
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError('not DER: indefinite length');
    if (n > 4) throw new DerError('DER length too large');
    if (offset + 2 + n > buf.length) throw new DerError('truncated DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[offset + 2 + i] as number);
    header += n;
  }
  const end = offset + header + len;
  if (end > buf.length) throw new DerError('truncated DER: contents run past the end');
  return { tag, value: buf.subarray(offset + header, end), raw: buf.subarray(offset, end) };
}

/** Exactly one TLV filling `buf`. */
export function parse(buf: Buffer): Der {
  const d = readAt(buf, 0);
  if (d.raw.length !== buf.length) throw new DerError('trailing bytes after the DER value');
  return d;
}

/** The TLVs inside a constructed value, in order. */
export function children(d: Der): Der[] {
  if ((d.tag & 0x20) === 0) throw new DerError(`expected a constructed value, got tag 0x${hex(d.tag)}`);
  const out: Der[] = [];
  for (let off = 0; off < d.value.length; ) {
    const c = readAt(d.value, off);
    out.push(c);
    off += c.raw.length;
  }
  return out;
}

/** `d`, checked to carry `tag`. */
export function expect(d: Der | undefined, tag: number, what: string): Der {
  if (!d) throw new DerError(`${what} is missing`);
  if (d.tag !== tag) throw new DerError(`${what}: expected tag 0x${hex(tag)}, got 0x${hex(d.tag)}`);
  return d;
}

/** The elements of a SEQUENCE (or SET, or EXPLICIT wrapper) checked to carry `tag`. */
export function items(d: Der | undefined, tag: number, what: string): Der[] {
  return children(expect(d, tag, what));
}

/** A dotted OBJECT IDENTIFIER. */
export function oid(d: Der): string {
  const v = expect(d, TAG.OID, 'object identifier').value;
  if (v.length === 0) throw new DerError('empty object identifier');
  const arcs: number[] = [];
  let n = 0;
  for (const b of v) {
    n = n * 128 + (b & 0x7f);
    if (n > Number.MAX_SAFE_INTEGER) throw new DerError('object identifier arc too large');
    if ((b & 0x80) === 0) {
      arcs.push(n);
      n = 0;
    }
  }
  if ((v[v.length - 1] as number) & 0x80) throw new DerError('truncated object identifier');
  const first = arcs.shift() as number;
  const top = first < 40 ? 0 : first < 80 ? 1 : 2;
  return [top, first - top * 40, ...arcs].join('.');
}

/** A small non-negative INTEGER or ENUMERATED (versions, status codes, reasons). */
export function small(d: Der): number {
  const v = d.value;
  if (v.length === 0 || v.length > 4 || ((v[0] as number) & 0x80) !== 0)
    throw new DerError('expected a small non-negative integer');
  return v.reduce((n, b) => n * 256 + b, 0);
}

/** The bits of a BIT STRING (whole octets: keys and signatures). */
export function bits(d: Der): Buffer {
  const v = expect(d, TAG.BIT_STRING, 'bit string').value;
  if (v.length === 0 || v[0] !== 0) throw new DerError('bit string with unused bits');
  return v.subarray(1);
}

/** A UTCTime or GeneralizedTime (Zulu, optional fractional seconds). */
export function time(d: Der): Date {
  const s = d.value.toString('latin1');
  const m =
    d.tag === TAG.GENERALIZED_TIME
      ? /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d{1,9}))?Z$/.exec(s)
      : d.tag === TAG.UTC_TIME
        ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)()Z$/.exec(s)
        : null;
  if (!m) throw new DerError(`not a UTC or generalized time: tag 0x${hex(d.tag)}`);
  let year = Number(m[1]);
  if (d.tag === TAG.UTC_TIME) year += year < 50 ? 2000 : 1900;
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const t = Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms);
  if (Number.isNaN(t)) throw new DerError('invalid time');
  return new Date(t);
}

// Writing.

/** One TLV with the given contents. */
export function tlv(tag: number, ...contents: readonly Buffer[]): Buffer {
  const value = Buffer.concat(contents);
  const n = value.length;
  const len =
    n < 0x80
      ? Buffer.from([n])
      : n < 0x100
        ? Buffer.from([0x81, n])
        : n < 0x10000
          ? Buffer.from([0x82, n >> 8, n & 0xff])
          : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, value]);
}

export const seq = (...contents: readonly Buffer[]): Buffer => tlv(TAG.SEQUENCE, ...contents);

/** An OBJECT IDENTIFIER from its dotted form. */
export function encodeOid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const out: number[] = [];
  for (const arc of [a * 40 + b, ...rest]) {
    const bytes = [arc & 0x7f];
    for (let x = Math.floor(arc / 128); x > 0; x = Math.floor(x / 128)) bytes.unshift((x & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return tlv(TAG.OID, Buffer.from(out));
}

/** A non-negative INTEGER from its big-endian magnitude. */
export function encodeUnsigned(magnitude: Buffer): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  return tlv(TAG.INTEGER, (m[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), m]) : m);
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

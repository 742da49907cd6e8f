/**
 * What a cipher list really allows: the TLS 1.2 suites OpenSSL offers for it, read from the ClientHello Node
 * builds with that list (no network: the handshake is started over an in-memory stream and stopped after its
 * first record), so keywords such as HIGH or DEFAULT expand exactly as the integration's OpenSSL expands them.
 * The rule ciphers-no-forward-secrecy flags suites without forward secrecy (RSA key exchange) or with CBC (no
 * AEAD): both allowed by most "HIGH" lists, and neither is the strong cryptography PCI DSS 4.0 Req 4.2.1 asks for.
 */
import { Duplex } from 'node:stream';
import { connect, type SecureVersion, type TLSSocket } from 'node:tls';

/** Forward-secret AEAD suites (ECDHE/DHE with GCM, CCM or ChaCha20-Poly1305), by IANA code. */
const STRONG = new Set([
  0xc02b, 0xc02c, 0xc02f, 0xc030, 0xcca8, 0xcca9, 0xccaa, 0x009e, 0x009f, 0x00a2, 0x00a3, 0xc09e, 0xc09f,
  0xc0a2, 0xc0a3, 0xc0ac, 0xc0ad, 0xc0ae, 0xc0af, 0xc052, 0xc053, 0xc056, 0xc057, 0xc05c, 0xc05d, 0xc060,
  0xc061,
]);

/** Suites with RSA key exchange (no forward secrecy), by IANA code. */
const RSA_KEY_EXCHANGE = new Set([
  0x002f, 0x0035, 0x003c, 0x003d, 0x009c, 0x009d, 0x0041, 0x0084, 0x00ba, 0x00c0, 0xc09c, 0xc09d, 0xc0a0,
  0xc0a1, 0xc050, 0xc051, 0x000a, 0x0096,
]);

/** OpenSSL names of the common weak suites, for messages; others are shown by code. */
const NAMES: Readonly<Record<number, string>> = {
  47: 'AES128-SHA',
  53: 'AES256-SHA',
  60: 'AES128-SHA256',
  61: 'AES256-SHA256',
  156: 'AES128-GCM-SHA256',
  157: 'AES256-GCM-SHA384',
  49308: 'AES128-CCM',
  49309: 'AES256-CCM',
  65: 'CAMELLIA128-SHA',
  132: 'CAMELLIA256-SHA',
  49161: 'ECDHE-ECDSA-AES128-SHA',
  49162: 'ECDHE-ECDSA-AES256-SHA',
  49171: 'ECDHE-RSA-AES128-SHA',
  49172: 'ECDHE-RSA-AES256-SHA',
  49187: 'ECDHE-ECDSA-AES128-SHA256',
  49188: 'ECDHE-ECDSA-AES256-SHA384',
  49191: 'ECDHE-RSA-AES128-SHA256',
  49192: 'ECDHE-RSA-AES256-SHA384',
  51: 'DHE-RSA-AES128-SHA',
  57: 'DHE-RSA-AES256-SHA',
  103: 'DHE-RSA-AES128-SHA256',
  107: 'DHE-RSA-AES256-SHA256',
};

/** TLS 1.3 suites (0x13xx) and signalling values are not judged here. */
function judged(code: number): boolean {
  return (code & 0xff00) !== 0x1300 && code !== 0x00ff && code !== 0x5600;
}

export interface SuiteVerdict {
  /** Offered TLS 1.2 suites with RSA key exchange. */
  readonly rsaKeyExchange: readonly string[];
  /** Offered TLS 1.2 suites with forward secrecy but CBC (or another non-AEAD cipher). */
  readonly cbc: readonly string[];
}

/** The weak TLS 1.2 suites a cipher list allows; null when the list cannot be expanded (OpenSSL refuses it). */
export async function judgeCipherList(
  ciphers: string,
  minVersion: SecureVersion = 'TLSv1.2',
  maxVersion: SecureVersion = 'TLSv1.3',
): Promise<SuiteVerdict | null> {
  const codes = await offeredSuites(ciphers, minVersion, maxVersion);
  if (codes === null) return null;
  const name = (c: number) => NAMES[c] ?? `0x${c.toString(16).padStart(4, '0').toUpperCase()}`;
  const weak = codes.filter((c) => judged(c) && !STRONG.has(c));
  return {
    rsaKeyExchange: weak.filter((c) => RSA_KEY_EXCHANGE.has(c)).map(name),
    cbc: weak.filter((c) => !RSA_KEY_EXCHANGE.has(c)).map(name),
  };
}

/**
 * The cipher suite codes of the ClientHello Node sends with these settings, or null when OpenSSL refuses the
 * list ("no cipher match") or the versions. Nothing leaves the process.
 */
export function offeredSuites(
  ciphers: string,
  minVersion: SecureVersion,
  maxVersion: SecureVersion,
): Promise<number[] | null> {
  return new Promise((resolve) => {
    let socket: TLSSocket | undefined;
    let done = false;
    const finish = (codes: number[] | null) => {
      if (done) return;
      done = true;
      resolve(codes);
      setImmediate(() => socket?.destroy());
    };
    const wire = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        callback();
        finish(parseClientHello(Buffer.from(chunk)));
      },
    });
    try {
      socket = connect({
        socket: wire,
        ciphers,
        minVersion,
        maxVersion,
        servername: 'audit.invalid',
        rejectUnauthorized: false,
      });
      socket.on('error', () => finish(null));
    } catch {
      finish(null);
    }
  });
}

/** Cipher suites of a TLS record holding a ClientHello; null when it is not one. */
function parseClientHello(b: Buffer): number[] | null {
  // record header (5) + handshake header (4) + client version (2) + random (32), then session id.
  if (b.length < 44 || b[0] !== 0x16 || b[5] !== 0x01) return null;
  let o = 43;
  o += 1 + (b[o] ?? 0);
  if (o + 2 > b.length) return null;
  const n = b.readUInt16BE(o);
  o += 2;
  if (o + n > b.length) return null;
  const codes: number[] = [];
  for (let i = 0; i + 1 < n; i += 2) codes.push(b.readUInt16BE(o + i));
  return codes;
}

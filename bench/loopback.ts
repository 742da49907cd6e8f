/**
 * Loopback fixtures for the benchmarks: a minimal authenticated HTTPS endpoint (the "processor") and a TCP
 * proxy that injects known delays into the TLS handshake and the HTTP response. Everything listens on
 * 127.0.0.1 only.
 */
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';

export interface Listening {
  readonly port: number;
  close(): Promise<void>;
}

export interface EndpointOptions {
  /** Certificate chain (PEM) the server presents. */
  readonly chain: string;
  readonly key: string;
  /** Bearer token that gets a 200; anything else gets a 401. */
  readonly token: string;
  /** Require a client certificate from this CA (mTLS). @default none asked for */
  readonly clientCa?: string;
}

/** An HTTPS endpoint answering every request with 200 {"ok":true} when the bearer token matches. */
export async function startEndpoint(o: EndpointOptions): Promise<Listening> {
  const expected = `Bearer ${o.token}`;
  const mtls = o.clientCa ? { requestCert: true, rejectUnauthorized: true, ca: o.clientCa } : {};
  const server = https.createServer({ cert: o.chain, key: o.key, keepAlive: false, ...mtls }, (req, res) => {
    const ok = req.headers.authorization === expected;
    const body = ok ? '{"ok":true}' : '{"error":"unauthorized"}';
    res.writeHead(ok ? 200 : 401, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
  });
  server.on('tlsClientError', () => undefined);
  return listen(server);
}

/** A TCP server that accepts connections, reads what comes and never answers: a silent processor. */
export function startSilent(): Promise<Listening> {
  return listen(net.createServer((s) => s.resume().on('error', () => undefined)));
}

export function listen(server: net.Server): Promise<Listening> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      resolve({
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** One request on a fresh TLS connection with nothing but node:tls: the baseline of figure 1. */
export function rawTlsGet(o: {
  readonly port: number;
  /** Trust: this CA only; @default Node's default trust store (with NODE_EXTRA_CA_CERTS) */
  readonly ca?: string;
  readonly path: string;
  readonly token: string;
}): Promise<number> {
  return new Promise((resolve, reject) => {
    const options = {
      host: '127.0.0.1',
      port: o.port,
      minVersion: 'TLSv1.2' as const,
      ...(o.ca ? { ca: o.ca } : {}),
    };
    const socket = tls.connect(options, () => {
      socket.write(
        `GET ${o.path} HTTP/1.1\r\nHost: 127.0.0.1:${o.port}\r\nAuthorization: Bearer ${o.token}\r\n` +
          'Accept: application/json\r\nConnection: close\r\n\r\n',
      );
    });
    let head = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      head += chunk;
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (m) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed before a status line')));
  });
}

export interface DelayProxyOptions {
  readonly upstreamPort: number;
  /** Delay of the server's first bytes (its first handshake flight). */
  readonly handshakeDelayMs: number;
  /** Delay of the server's bytes that follow the client's first application-data record (the HTTP response). */
  readonly responseDelayMs: number;
}

const RECORD_HANDSHAKE = 22;
const RECORD_APPLICATION_DATA = 23;

/**
 * A TCP proxy on 127.0.0.1 that delays (a) the server's first TLS bytes and (b) the server's bytes after the
 * client's HTTP request, preserving order. It finds the request by reading TLS record headers on the client's
 * side: in TLS 1.2 the first application-data record is the request; in TLS 1.3 the client's Finished is
 * also an application-data record, so the request is the second one. The version comes from the server's
 * ServerHello (supported_versions extension).
 */
export async function startDelayProxy(o: DelayProxyOptions): Promise<Listening> {
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect({ host: '127.0.0.1', port: o.upstreamPort });
    upstream.setNoDelay(true);
    let tls13: boolean | undefined;
    let serverBuf = Buffer.alloc(0);
    let sentFirst = false;
    let requestSeen = false;
    let appRecords = 0;
    let clientBuf = Buffer.alloc(0);
    let releaseAt = 0;

    const toClient = (chunk: Buffer, delayMs: number) => {
      releaseAt = Math.max(releaseAt, Date.now() + delayMs);
      const wait = releaseAt - Date.now();
      if (wait <= 0) client.write(chunk);
      else setTimeout(() => client.destroyed || client.write(chunk), wait);
    };

    upstream.on('data', (chunk: Buffer) => {
      if (tls13 === undefined) {
        serverBuf = Buffer.concat([serverBuf, chunk]);
        tls13 = serverHelloIsTls13(serverBuf);
      }
      if (!sentFirst) {
        sentFirst = true;
        toClient(chunk, o.handshakeDelayMs);
      } else {
        toClient(chunk, requestSeen ? o.responseDelayMs : 0);
      }
    });
    client.on('data', (chunk: Buffer) => {
      clientBuf = Buffer.concat([clientBuf, chunk]);
      // Walk complete record headers; count application-data records.
      while (clientBuf.length >= 5) {
        const type = clientBuf[0];
        const len = clientBuf.readUInt16BE(3);
        if (clientBuf.length < 5 + len) break;
        if (type === RECORD_APPLICATION_DATA) appRecords++;
        clientBuf = clientBuf.subarray(5 + len);
      }
      if (!requestSeen && tls13 !== undefined && appRecords >= (tls13 ? 2 : 1)) requestSeen = true;
      upstream.write(chunk);
    });
    const end = () => {
      const wait = Math.max(0, releaseAt - Date.now());
      setTimeout(() => {
        client.destroy();
        upstream.destroy();
      }, wait + 5);
    };
    upstream.on('end', end);
    upstream.on('error', end);
    client.on('error', end);
    client.on('end', () => upstream.end());
  });
  return listen(server);
}

/**
 * undefined while the ServerHello is incomplete; otherwise whether it selects TLS 1.3 (supported_versions
 * extension = 0x0304).
 */
export function serverHelloIsTls13(buf: Buffer): boolean | undefined {
  if (buf.length < 5) return undefined;
  if (buf[0] !== RECORD_HANDSHAKE) return false;
  const recLen = buf.readUInt16BE(3);
  if (buf.length < 5 + recLen) return undefined;
  const hs = buf.subarray(5, 5 + recLen);
  // Handshake header: type(1)=2 ServerHello, length(3); body: version(2) random(32) sid_len(1) sid cipher(2) comp(1) ext_len(2) exts
  if (hs[0] !== 2) return false;
  let i = 4 + 2 + 32;
  const sidLen = hs[i] ?? 0;
  i += 1 + sidLen + 2 + 1;
  if (i + 2 > hs.length) return false;
  const extEnd = i + 2 + hs.readUInt16BE(i);
  i += 2;
  while (i + 4 <= extEnd && i + 4 <= hs.length) {
    const type = hs.readUInt16BE(i);
    const len = hs.readUInt16BE(i + 2);
    if (type === 0x002b && len === 2) return hs.readUInt16BE(i + 4) === 0x0304;
    i += 4 + len;
  }
  return false;
}

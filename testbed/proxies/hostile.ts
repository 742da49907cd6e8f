/**
 * Hand-built forward proxies on 127.0.0.1 (Node net/tls servers) for the proxy faults a packaged proxy will
 * not show on demand: silent after accept, hanging up after CONNECT, answering slowly, answering garbage,
 * answering with a chosen status and text (Squid's X-Squid-Error, an echo of Proxy-Authorization), speaking
 * TLS itself (an https:// proxy), and inspecting TLS: terminating it with a certificate for the target host
 * signed by its own "interception CA", then connecting onward, as TLS-inspecting enterprise proxies do.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { createPki, type Issued, type TestPki } from '../pki';
import { LOOPBACK, listen, tracked } from '../processors/listeners';
import type { RunningProxy } from './tinyproxy';

export const HOSTILE_PROXY_KINDS = [
  'forward',
  'silent',
  'close-after-connect',
  'garbage',
  'answer',
  'intercepting',
] as const;
export type HostileProxyKind = (typeof HOSTILE_PROXY_KINDS)[number];

export interface HostileProxyOptions {
  /** Delay before answering CONNECT ('forward', 'answer', 'intercepting'). @default 0 */
  readonly delayMs?: number;
  /** Serve TLS to the client (an https:// proxy) with this certificate chain and key. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /**
   * For 'answer': the status, headers and body to answer CONNECT with, or a function of the CONNECT request
   * that returns them (a proxy that echoes what it was sent, in whatever form a test needs).
   */
  readonly answer?: ProxyAnswer | ((sent: SentConnect) => ProxyAnswer);
  /** For 'garbage': the bytes sent instead of an HTTP answer. @default a TLS alert record */
  readonly garbage?: Buffer;
  /** For 'intercepting': the interception PKI. @default a new one named "Corp TLS Inspection" */
  readonly interceptionPki?: TestPki;
}

export interface ProxyAnswer {
  readonly status: number;
  /** The reason phrase; written as UTF-8 bytes. */
  readonly reason?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The body and header values: `{authorization}` is replaced by the Proxy-Authorization header the client
   * sent, and `{credentials}` by its decoded `user:password` (a proxy that echoes what it was sent).
   */
  readonly body?: string;
}

/** What the client sent with CONNECT, for an answer that depends on it. */
export interface SentConnect {
  /** The request target, `host:port`. */
  readonly target: string;
  /** The Proxy-Authorization header, '' when none. */
  readonly authorization: string;
  /** Its decoded `user:password`, '' when none. */
  readonly credentials: string;
}

export interface HostileProxy extends RunningProxy {
  readonly kind: HostileProxyKind;
  /** The CONNECT requests received: request line and headers, as sent. */
  readonly requests: readonly {
    readonly target: string;
    readonly headers: Readonly<Record<string, string>>;
  }[];
  /** For 'intercepting': the CA it re-signs with. */
  readonly interceptionPki?: TestPki;
}

/** A TLS alert record (fatal, handshake_failure): what a TLS port answers to plaintext. */
const TLS_ALERT = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28]);

interface ConnectHead {
  readonly target: string;
  readonly headers: Record<string, string>;
  /** Bytes after the head (a client speaking first inside the tunnel). */
  readonly rest: Buffer;
}

/** Reads a CONNECT request head from `socket`; resolves undefined when it is not one or the socket ends. */
function readConnect(socket: net.Socket): Promise<ConnectHead | undefined> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > 16_384) done(undefined);
        return;
      }
      const [line = '', ...fields] = buf.subarray(0, end).toString('latin1').split('\r\n');
      const m = /^CONNECT (\S+) HTTP\/1\.[01]$/.exec(line);
      const headers: Record<string, string> = {};
      for (const f of fields) {
        const i = f.indexOf(':');
        if (i > 0) headers[f.slice(0, i).trim().toLowerCase()] = f.slice(i + 1).trim();
      }
      done(m ? { target: m[1] as string, headers, rest: buf.subarray(end + 4) } : undefined);
    };
    const done = (v: ConnectHead | undefined) => {
      socket.removeListener('data', onData);
      socket.pause();
      resolve(v);
    };
    socket.on('data', onData);
    socket.once('end', () => done(undefined));
    socket.on('error', () => undefined);
  });
}

function splitTarget(target: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
  return { host: m?.[1] ?? target, port: Number(m?.[2] ?? 443) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a hand-built proxy of `kind`. */
export async function startHostileProxy(
  kind: HostileProxyKind,
  o: HostileProxyOptions = {},
): Promise<HostileProxy> {
  const requests: { target: string; headers: Record<string, string> }[] = [];
  const open = new Set<net.Socket>();
  const interception =
    kind === 'intercepting'
      ? (o.interceptionPki ?? (await createPki({ name: 'Corp TLS Inspection' })))
      : undefined;
  const leaves = new Map<string, Promise<Issued>>();
  const leafFor = (host: string) => {
    let p = leaves.get(host);
    if (!p) {
      p = (interception as TestPki).serverCert({ hosts: [host] });
      leaves.set(host, p);
    }
    return p;
  };

  const onClient = async (client: net.Socket) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (kind === 'silent') return;
    const head = await readConnect(client);
    if (!head) {
      client.destroy();
      return;
    }
    requests.push({ target: head.target, headers: head.headers });
    if (kind === 'close-after-connect') {
      client.end();
      return;
    }
    if (kind === 'garbage') {
      client.end(o.garbage ?? TLS_ALERT);
      return;
    }
    if (o.delayMs) await sleep(o.delayMs);
    if (client.destroyed) return;
    if (kind === 'answer') {
      const authorization = head.headers['proxy-authorization'] ?? '';
      const decoded = Buffer.from(authorization.replace(/^Basic /i, ''), 'base64').toString('utf8');
      const sent = { target: head.target, authorization, credentials: decoded };
      const a =
        typeof o.answer === 'function' ? o.answer(sent) : (o.answer ?? { status: 403, reason: 'Forbidden' });
      const echo = (t: string) =>
        t.replaceAll('{authorization}', authorization).replaceAll('{credentials}', decoded);
      const body = echo(a.body ?? '');
      const headers = Object.fromEntries(Object.entries(a.headers ?? {}).map(([k, v]) => [k, echo(v)]));
      const fields = Object.entries({ ...headers, 'content-length': String(Buffer.byteLength(body)) })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      client.end(`HTTP/1.1 ${a.status} ${a.reason ?? ''}\r\n${fields}connection: close\r\n\r\n${body}`);
      return;
    }
    const { host, port } = splitTarget(head.target);
    const upstream = net.connect(port, host);
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    upstream.on('error', () => client.destroy());
    upstream.once('connect', async () => {
      client.write('HTTP/1.1 200 Connection established\r\n\r\n');
      if (kind === 'forward') {
        if (head.rest.length > 0) upstream.write(head.rest);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        return;
      }
      // Intercepting: TLS with the client under our own CA, TLS onward to the processor, plaintext between.
      const leaf = await leafFor(host);
      if (head.rest.length > 0) client.unshift(head.rest);
      const inner = new tls.TLSSocket(client, {
        isServer: true,
        secureContext: tls.createSecureContext({ cert: leaf.chain, key: leaf.key }),
      });
      inner.on('error', () => client.destroy());
      const onward = tls.connect({
        socket: upstream,
        servername: net.isIP(host) ? undefined : host,
        rejectUnauthorized: false,
      });
      onward.on('error', () => inner.destroy());
      inner.pipe(onward);
      onward.pipe(inner);
      client.resume();
    });
  };

  const server = o.tls
    ? tls.createServer({ cert: o.tls.cert, key: o.tls.key }, (s) => void onClient(s))
    : net.createServer((s) => void onClient(s));
  const closeServer = tracked(server);
  const port = await listen(server);
  return {
    kind,
    url: `${o.tls ? 'https' : 'http'}://${LOOPBACK}:${port}`,
    port,
    requests,
    ...(interception ? { interceptionPki: interception } : {}),
    log: () => requests.map((r) => `CONNECT ${r.target}`).join('\n'),
    close: async () => {
      for (const s of open) s.destroy();
      await closeServer();
    },
  };
}

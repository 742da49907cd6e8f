/**
 * Listeners for the simulated processors, all on 127.0.0.1 and ephemeral ports: an HTTPS server with the
 * simulated API, a raw TCP server for faults below HTTP, a port that refuses, and one whose SYNs go
 * unanswered. close() of each ends kept-alive and stalled connections too.
 */
import { spawn } from 'node:child_process';
import type * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type * as tls from 'node:tls';
import type { Issued } from '../pki';
import { apiHandler } from './api';
import type { RecordedRequest, SimOptions } from './kinds';

export const LOOPBACK = '127.0.0.1';

export interface HttpsServerOptions {
  readonly cert: string;
  readonly key: string;
  readonly options?: SimOptions;
  readonly tls?: Partial<tls.TlsOptions>;
  /** Answers requests instead of the simulated API (it records into `requests` itself). */
  readonly handler?: (requests: RecordedRequest[]) => http.RequestListener;
  /** The server certificate, for a stapled OCSP response (options.staple). */
  readonly issued?: Issued;
  /** Hang up on every client as soon as its handshake completes: a FIN (`close`) or a TCP RST (`reset`). */
  readonly afterHandshake?: 'close' | 'reset';
}

export function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve((server.address() as net.AddressInfo).port));
  });
}

/** Tracks sockets so close() ends kept-alive and stalled connections too (TLS sockets before the TCP under them). */
export function tracked(server: net.Server): () => Promise<void> {
  const sockets = new Set<net.Socket>();
  const secure = new Set<tls.TLSSocket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  server.on('secureConnection', (s: tls.TLSSocket) => {
    secure.add(s);
    s.on('close', () => secure.delete(s));
    s.on('error', () => undefined);
  });
  server.on('tlsClientError', () => undefined);
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of secure) s.destroy();
      for (const s of sockets) s.destroy();
    });
}

export async function httpsServer(
  o: HttpsServerOptions,
): Promise<{ port: number; requests: RecordedRequest[]; close: () => Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const server = https.createServer(
    { cert: o.cert, key: o.key, ...o.tls },
    o.handler ? o.handler(requests) : apiHandler(o.options ?? {}, requests),
  );
  server.keepAliveTimeout = 1000;
  if (o.afterHandshake) hangUpAfterHandshake(server, o.afterHandshake);
  const staple = o.options?.staple;
  if (staple && o.issued) {
    const issued = o.issued;
    server.on(
      'OCSPRequest',
      (_cert: Buffer, _issuer: Buffer, done: (err: Error | null, res?: Buffer) => void) => {
        Promise.resolve(staple(issued)).then(
          (res) => done(null, res),
          (err: Error) => done(err),
        );
      },
    );
  }
  const close = tracked(server);
  const port = await listen(server);
  return { port, requests, close };
}

/** Ends every connection right after its handshake, before reading anything (the TCP socket for a reset). */
function hangUpAfterHandshake(server: https.Server, how: 'close' | 'reset'): void {
  const raw = new Map<number | undefined, net.Socket>();
  server.on('connection', (s: net.Socket) => {
    raw.set(s.remotePort, s);
    s.on('close', () => raw.delete(s.remotePort));
  });
  server.prependListener('secureConnection', (s: tls.TLSSocket) => {
    // end(): close_notify and FIN after the handshake's last bytes are out; a reset a moment later, so the
    // RST cannot overtake (and discard) the server's Finished.
    if (how === 'close') s.end();
    else setTimeout(() => raw.get(s.remotePort)?.resetAndDestroy(), 5);
  });
}

export async function rawServer(
  onConnection: (s: net.Socket) => void,
): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer(onConnection);
  const close = tracked(server);
  const port = await listen(server);
  return { port, close };
}

/**
 * A port with nothing listening: connecting is refused. Port 1 (tcpmux) rather than an ephemeral port that
 * was bound and released: a released ephemeral port can be taken at once by another test server (seen in CI:
 * the "refused" probe reached a TLS server and failed CERT_HOSTNAME_MISMATCH).
 */
export const REFUSED_PORT = 1;

/**
 * A port whose SYNs go unanswered, the way a firewall that drops packets behaves, on loopback: a listener
 * in a child process that never accepts (its thread sleeps in Atomics.wait), its accept queue filled by
 * idle connections. Linux then drops further SYNs, so a connect only times out.
 */
export async function synDroppingPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const script = `const s = require('node:net').createServer().listen({ port: 0, host: '${LOOPBACK}', backlog: 1 }, () => {
  process.stdout.write(s.address().port + '\\n');
  setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120000), 20);
});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
  });
  await new Promise((r) => setTimeout(r, 100)); // the child is asleep: nothing accepts any more
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const c = net.connect(port, LOOPBACK);
    c.on('error', () => undefined);
    fillers.push(c);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    close: async () => {
      for (const f of fillers) f.destroy();
      child.kill('SIGKILL');
    },
  };
}

/**
 * A real OCSP responder for the loopback testbed: `openssl ocsp` answering on 127.0.0.1 from an index of
 * good and revoked certificates, signing as the issuing CA or as a delegated responder (or as anyone, for a
 * response that must not be trusted). Certificates point at it through their AIA OCSP URL (pki.ts
 * `ocspUrl`), so the port is chosen first: reserveOcspPort(), issue the certificates, then start(). Also
 * fetches a response for a server to staple (Node's 'OCSPRequest' event). Files live in a temporary
 * directory that close() removes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { certDer } from '../lambdas/core/checks/cert-der';
import { ocspRequest } from '../lambdas/core/checks/ocsp';
import type { Issued } from './pki';

export interface OcspEntry {
  readonly cert: Issued;
  /** @default 'good' */
  readonly status?: 'good' | 'revoked';
  /** When revoked. @default one day ago */
  readonly revokedAt?: Date;
  /** RFC 5280 CRLReason name, when revoked. @default 'keyCompromise' */
  readonly reason?: string;
}

export interface OcspResponderOptions {
  /** The port from reserveOcspPort(), which the certificates' AIA names. */
  readonly port: number;
  /** The CA whose certificates it answers for. */
  readonly ca: Issued;
  /** Who signs: the CA itself (default) or another certificate and key (a delegated responder, or an impostor). */
  readonly signer?: Issued;
  /** Certificates it knows; any other is "unknown". */
  readonly entries: readonly OcspEntry[];
  /** nextUpdate this many minutes after thisUpdate. @default none */
  readonly nextUpdateMinutes?: number;
}

export interface OcspResponder {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A free loopback port for a responder and the URL to put into certificates. Taken below the kernel's
 * ephemeral range: between this reservation and the responder's bind, the testbed's own servers bind port
 * 0 and could otherwise be handed this very port.
 */
export async function reserveOcspPort(): Promise<{ port: number; url: string }> {
  const low = ephemeralLow();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (low - 10_000));
    if (await bindable(port)) return { port, url: `http://127.0.0.1:${port}/` };
  }
  throw new Error('no free port below the ephemeral range for an OCSP responder');
}

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return low > 11_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** openssl's index time: YYMMDDHHMMSSZ. */
function indexTime(d: Date): string {
  return `${d.toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`;
}

function indexLine(e: OcspEntry): string {
  const x = new X509Certificate(e.cert.cert);
  const serial = certDer(x.raw)
    .serial.toString('hex')
    .toUpperCase()
    .replace(/^(00)+(?=.)/, '');
  const revoked = e.status === 'revoked';
  const when = revoked
    ? `${indexTime(e.revokedAt ?? new Date(Date.now() - 86_400_000))},${e.reason ?? 'keyCompromise'}`
    : '';
  return [revoked ? 'R' : 'V', indexTime(e.cert.notAfter), when, serial, 'unknown', '/CN=payprobe'].join(
    '\t',
  );
}

/** Starts `openssl ocsp` on the reserved port; resolves once it accepts connections. */
export async function startOcspResponder(o: OcspResponderOptions): Promise<OcspResponder> {
  const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-ocsp-'));
  const f = (name: string) => path.join(dir, name);
  const signer = o.signer ?? o.ca;
  writeFileSync(f('index.txt'), o.entries.map((e) => `${indexLine(e)}\n`).join(''));
  // Every testbed leaf has the same subject: openssl's index must not insist on unique ones.
  writeFileSync(f('index.txt.attr'), 'unique_subject = no\n');
  writeFileSync(f('ca.pem'), o.ca.cert);
  writeFileSync(f('signer.pem'), signer.cert);
  writeFileSync(f('signer.key'), signer.key, { mode: 0o600 });
  const args = [
    'ocsp',
    '-index',
    f('index.txt'),
    '-port',
    String(o.port),
    '-CA',
    f('ca.pem'),
    '-rsigner',
    f('signer.pem'),
    '-rkey',
    f('signer.key'),
    '-ignore_err',
    ...(o.nextUpdateMinutes !== undefined ? ['-nmin', String(o.nextUpdateMinutes)] : []),
  ];
  const child: ChildProcess = spawn('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready when it says so: a test connection that sends nothing would make `openssl ocsp -ignore_err`
  // (OpenSSL 3.0) spin on the empty request.
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 5000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('waiting for OCSP client connections')) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (ready) return { url: `http://127.0.0.1:${o.port}/`, close };
  await close();
  throw new Error(`openssl ocsp did not start on port ${o.port}: ${output.trim().slice(0, 400)}`);
}

/** The DER OCSP response the responder gives for `cert` (issued by `issuer`): what a server staples. */
export function fetchOcspResponse(url: string, cert: Issued, issuer: Issued): Promise<Buffer> {
  const body = ocspRequest(new X509Certificate(cert.cert), new X509Certificate(issuer.cert));
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/ocsp-request', 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

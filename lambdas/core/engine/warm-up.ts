/**
 * Warms the code paths the phases use before a process's first probe starts its clock. In a fresh process
 * (a Lambda cold start, the preflight, every `payprobe check`) the first probe would otherwise time lazy
 * module loading, first-call compilation and OpenSSL's first-use setup inside connectMs and tlsMs (5-9 ms
 * against a 0.3 ms loopback connect). So, once per process, the engine probes itself: a throwaway TLS
 * server on 127.0.0.1 with a certificate made on the spot (an EC key and a self-signed certificate built
 * with checks/der.ts; nothing secret, nothing kept), one full probe of it (inputs, secure context,
 * handshake, chain, verification, the stapling request, one HTTP exchange) and one getaddrinfo. Its result
 * is thrown away; a failure of the warm-up only means a colder first probe.
 */

import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { encodeOid, encodeUnsigned, explicit, seq, TAG, tlv } from '../checks/der';
import type { ProcessorConfig } from '../config/load';
import type { ProbeResult } from '../contract/result';
import type { ProbeDeps } from './probe';
import { TlsContextCache } from './tls-context';

type Runner = (p: ProcessorConfig, deps: ProbeDeps) => Promise<ProbeResult>;

let warmed: Promise<void> | undefined;

/** Resolves once this process has been warmed (the first call does the work; later calls wait for it). */
export function warmUp(runner: Runner): Promise<void> {
  warmed ??= warm(runner).catch(() => undefined);
  return warmed;
}

async function warm(runner: Runner): Promise<void> {
  const { cert, key } = throwawayCertificate();
  const server = tls.createServer({ cert, key }, answerOnce);
  server.on('tlsClientError', () => undefined);
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
  try {
    const config: ProcessorConfig = {
      name: 'payprobe-warm-up',
      environment: 'sandbox',
      endpoint: `https://127.0.0.1:${port}`,
      intervalSeconds: 60,
      timeoutMs: 2000,
      budgetMs: 4000,
      slowResponseMs: 2000,
      maxBodyBytes: 1024,
      tls: {
        ca: { env: 'PAYPROBE_WARM_UP_CA' },
        minVersion: 'TLSv1.2',
        verify: true,
        revocation: 'stapled',
        certExpiryWarningDays: 21,
        clientCertExpiryWarningDays: 21,
      },
      auth: { request: { method: 'GET', path: '/', headers: {} }, expectStatus: [200] },
      alarms: {},
      baseDir: '/',
    };
    await Promise.all([
      runner(config, {
        secrets: { resolve: async () => ({ value: cert }) },
        tlsContexts: new TlsContextCache({ maxEntries: 1 }),
        warmUp: false,
      }),
      lookup('localhost').catch(() => undefined),
    ]);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Answers one HTTP request with 200 and closes. */
function answerOnce(socket: tls.TLSSocket): void {
  socket.on('error', () => undefined);
  let head = '';
  socket.on('data', (chunk: Buffer) => {
    head += chunk.toString('latin1');
    if (head.includes('\r\n\r\n')) {
      socket.end(
        'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok',
      );
    }
  });
}

const utcTime = (ms: number): Buffer =>
  tlv(TAG.UTC_TIME, Buffer.from(`${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`));

/** A fresh P-256 key and a self-signed certificate for 127.0.0.1, valid from an hour ago for a day. */
function throwawayCertificate(): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = seq(
    tlv(TAG.SET, seq(encodeOid('2.5.4.3'), tlv(TAG.UTF8_STRING, Buffer.from('payprobe warm-up')))),
  );
  const ecdsaSha256 = seq(encodeOid('1.2.840.10045.4.3.2'));
  const now = Date.now();
  const subjectAltName = seq(
    encodeOid('2.5.29.17'),
    tlv(TAG.OCTET_STRING, seq(tlv(0x87, Buffer.from([127, 0, 0, 1])))),
  );
  const tbs = seq(
    tlv(explicit(0), tlv(TAG.INTEGER, Buffer.from([2]))),
    encodeUnsigned(randomBytes(8)),
    ecdsaSha256,
    name,
    seq(utcTime(now - 3_600_000), utcTime(now + 86_400_000)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(explicit(3), seq(subjectAltName)),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, ecdsaSha256, tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([0]), signature])));
  const body = (der.toString('base64').match(/.{1,64}/g) ?? []).join('\n');
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

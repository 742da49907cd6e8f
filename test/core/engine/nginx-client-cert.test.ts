/**
 * mTLS refused at the HTTP layer, against a real nginx (`ssl_verify_client on`): nginx completes the
 * handshake without a valid client certificate and answers the first request 400. The probe must see that
 * refusal, with a request configured and without one, and name it CLIENT_CERT_REJECTED with nginx's words.
 */
import type { ProcessorConfig } from '../../../lambdas/core/config/load';
import { probe } from '../../../lambdas/core/engine/probe';
import { type ProcessorOptions, Testbed } from '../../../testbed/servers';
import { type Nginx, startNginx } from '../../support/nginx';

let bed: Testbed;
let required: Nginx;
let optional: Nginx;

beforeAll(async () => {
  bed = await Testbed.start();
  const server = await bed.pki.serverCert();
  const common = {
    cert: server.chain,
    key: server.key,
    clientCa: `${bed.pki.caPem}${bed.pki.intermediate.cert}`,
  };
  [required, optional] = await Promise.all([
    startNginx({ ...common, verifyClient: 'on' }),
    startNginx({ ...common, verifyClient: 'optional' }),
  ]);
}, 20_000);

afterAll(async () => {
  await Promise.all([required?.close(), optional?.close()]);
  await bed?.close();
});

async function config(nginx: Nginx, o: ProcessorOptions): Promise<ProcessorConfig> {
  return bed.processor('nginx', nginx.url, { timeoutMs: 2000, credentials: 'none', ...o });
}

const HANDSHAKE_ONLY = { request: null } as const;
const WITH_REQUEST = { request: { method: 'GET', path: '/v1/balance', headers: {} } } as const;

describe('nginx with ssl_verify_client on', () => {
  it.each(['TLSv1.2', 'TLSv1.3'] as const)(
    'handshake-only without a client certificate (%s): CLIENT_CERT_REJECTED with nginx’s words, not ok',
    async (version) => {
      const r = await probe(
        await config(required, { ...HANDSHAKE_ONLY, clientCert: 'none', tls: { maxVersion: version } }),
        bed.deps(),
      );
      expect({ ok: r.ok, stage: r.stage, class: r.class }).toEqual({
        ok: false,
        stage: 'tls',
        class: 'CLIENT_CERT_REJECTED',
      });
      expect(r.detail).toMatch(/none is configured .*400 "No required SSL certificate was sent"/);
      expect(r.tls?.protocol).toBe(version);
    },
  );

  it('handshake-only with a certificate from a CA nginx does not trust: CLIENT_CERT_REJECTED', async () => {
    const r = await probe(await config(required, { ...HANDSHAKE_ONLY, clientCert: 'other-ca' }), bed.deps());
    expect(r.class).toBe('CLIENT_CERT_REJECTED');
    expect(r.detail).toMatch(
      /refused our client certificate at the HTTP layer: 400 "The SSL certificate error"/,
    );
  });

  it('with a request configured and no client certificate: CLIENT_CERT_REJECTED, not HTTP_ERROR 400', async () => {
    const r = await probe(await config(required, { ...WITH_REQUEST, clientCert: 'none' }), bed.deps());
    expect({ class: r.class, status: r.http?.status }).toEqual({
      class: 'CLIENT_CERT_REJECTED',
      status: 400,
    });
    expect(r.detail).toMatch(/No required SSL certificate was sent/);
  });

  it('passes with a valid client certificate, handshake-only and with a request', async () => {
    const only = await probe(await config(required, { ...HANDSHAKE_ONLY, clientCert: 'valid' }), bed.deps());
    const req = await probe(await config(required, { ...WITH_REQUEST, clientCert: 'valid' }), bed.deps());
    expect([only.ok, only.class, req.ok, req.http?.status]).toEqual([true, null, true, 200]);
    expect(only.timings.settleMs).toEqual(expect.any(Number));
  });
});

describe('nginx with ssl_verify_client optional', () => {
  it('asks for a certificate but serves a client without one: ok', async () => {
    const r = await probe(await config(optional, { ...HANDSHAKE_ONLY, clientCert: 'none' }), bed.deps());
    expect([r.ok, r.class]).toEqual([true, null]);
  });
});

/**
 * The TLS phase over a socket another phase opened (the seam a proxy tunnel uses): the handshake wraps an
 * already connected TCP socket, starts its clock at once, reads and verifies the chain like a dialled
 * connection, and classifies a peer that does not speak TLS as a handshake failure, not a connect failure.
 */
import * as net from 'node:net';
import { peerChain } from '../../../lambdas/core/engine/chain';
import { resolveInputs } from '../../../lambdas/core/engine/inputs';
import { Fail, RunState } from '../../../lambdas/core/engine/run-state';
import { targetOf } from '../../../lambdas/core/engine/target';
import { handshake, secureContext } from '../../../lambdas/core/engine/tls';
import { verifyChain } from '../../../lambdas/core/engine/verify';
import { LOOPBACK, type SimulatedProcessor, Testbed } from '../../../testbed/servers';

let bed: Testbed;
let healthy: SimulatedProcessor;
let plaintext: SimulatedProcessor;

beforeAll(async () => {
  bed = await Testbed.start();
  [healthy, plaintext] = await Promise.all([bed.start('healthy'), bed.start('plaintext')]);
});

afterAll(() => bed.close());

function connected(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, LOOPBACK, () => resolve(s));
    s.once('error', reject);
  });
}

/** A run for `sim`, its inputs read, and a handshake over a TCP socket opened beforehand. */
async function overSocket(sim: SimulatedProcessor) {
  const run = new RunState(await bed.processor('tunnelled', sim, { request: null }), bed.deps());
  const inputs = await resolveInputs(run);
  const tcp = await connected(sim.port);
  run.sockets.push(tcp);
  const target = targetOf(inputs.url, inputs.servername, true);
  let onConnected = 0;
  const fail = (c: { class: Fail['cls']; detail: string }) => new Fail(c.class, c.detail);
  const done = handshake(run, target, { socket: tcp }, secureContext(run, inputs, false), false, fail, () => {
    onConnected++;
  });
  return { run, inputs, target, done, fail, onConnected: () => onConnected };
}

describe('handshake over a given socket', () => {
  it('completes the handshake and verifies the chain as a dialled connection would', async () => {
    const t = await overSocket(healthy);
    try {
      const { socket, peer } = await t.done;
      expect(t.onConnected()).toBe(1);
      expect(socket.getProtocol()).toBe('TLSv1.3');
      const chain = peerChain(socket, peer);
      expect(chain.map((c) => c.subject)).toEqual([
        'CN=localhost, O=payprobe testbed',
        'CN=payprobe-testbed Issuing CA, O=payprobe testbed',
        'CN=payprobe-testbed Root CA, O=payprobe testbed',
      ]);
      expect(() => verifyChain(t.run, socket, chain, peer, t.target, undefined, t.fail)).not.toThrow();
    } finally {
      for (const s of t.run.sockets.reverse()) s.destroy();
    }
  });

  it('reports a peer that answers in plaintext as TLS_PROTOCOL_ERROR, the connection being already up', async () => {
    const t = await overSocket(plaintext);
    try {
      await expect(t.done).rejects.toMatchObject({ cls: 'TLS_PROTOCOL_ERROR' });
      expect(t.onConnected()).toBe(1);
    } finally {
      for (const s of t.run.sockets.reverse()) s.destroy();
    }
  });
});

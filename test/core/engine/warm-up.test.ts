/**
 * The warm-up: before the first probe of a process starts its clock, the engine probes a throwaway loopback
 * server once (so lazy loading and first-use setup are not timed as network). Checked by the connections the
 * process makes, in order; its effect on a fresh process's timings is a bench figure (`npm run bench`, 6).
 * Each jest test file has its own module registry, so this file starts as a fresh process would.
 */
import * as net from 'node:net';
import { probe } from '../../../lambdas/core/engine/probe';
import { Testbed } from '../../../testbed/servers';

let bed: Testbed;

/** The port of a socket.connect() call (options object, or a normalized [options, callback] array). */
function portOf(arg: unknown): number {
  const o = (Array.isArray(arg) ? arg[0] : arg) as { port?: unknown };
  return Number(o?.port);
}

beforeAll(async () => {
  bed = await Testbed.start();
});

afterAll(async () => {
  await bed.close();
  jest.restoreAllMocks();
});

test('the first probe of a process is preceded by one probe of a throwaway loopback server, and later ones are not', async () => {
  const sim = await bed.start('healthy');
  const config = await bed.processor('warm', sim, { credentials: 'none', timeoutMs: 2000 });
  const connect = jest.spyOn(net.Socket.prototype, 'connect');
  const ports = () => connect.mock.calls.map((c) => portOf(c[0]));

  const first = await probe(config, bed.deps());
  const second = await probe(config, bed.deps());

  expect([first.ok, second.ok]).toEqual([true, true]);
  // One connection elsewhere, before the first probe's own; none before the second.
  expect(ports()).toHaveLength(3);
  expect(ports()[0]).not.toBe(sim.port);
  expect(ports().slice(1)).toEqual([sim.port, sim.port]);
});

test('warmUp: false probes only the processor', async () => {
  const sim = await bed.start('healthy');
  const config = await bed.processor('cold', sim, { credentials: 'none', timeoutMs: 2000 });
  const connect = jest.spyOn(net.Socket.prototype, 'connect');
  connect.mockClear();
  const r = await probe(config, bed.deps({ warmUp: false }));
  expect(r.ok).toBe(true);
  expect(connect.mock.calls.map((c) => portOf(c[0]))).toEqual([sim.port]);
});

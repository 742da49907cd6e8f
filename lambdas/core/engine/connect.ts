/**
 * The DNS and TCP phases: the target's name resolved the way the integration resolves it (getaddrinfo via
 * dns.lookup, unless ProbeDeps.lookup replaces it), then a TCP connection, each bounded by timeoutMs or what
 * is left of the budget. An https target is dialled by the TLS phase itself (one socket for TCP and TLS, see
 * tls.ts), so only the address comes from here; a plain http target, or a later proxy, gets its TCP socket
 * from connectTcp (docs/engine.md "How a probe runs", steps 3 and 4).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import * as net from 'node:net';
import { describeError } from '../checks/errors';
import { bounded } from './bounded';
import { Fail, type RunState } from './run-state';
import type { Target } from './target';
import { type Classified, classifyConnectError } from './tls-errors';

/** Where to dial: the resolved address, its family (0 when unknown) and the port. */
export interface Dial {
  readonly address: string;
  readonly family: number;
  readonly port: number;
}

/** Builds the phase's failure, naming the target when it is not the main endpoint. */
export type FailFor = (c: Classified) => Fail;

/** DNS: the target's address (an IP literal as it is). DNS_FAILURE when it does not resolve in time. */
export async function resolveTarget(run: RunState, target: Target, fail: FailFor): Promise<Dial> {
  const family = net.isIP(target.hostname);
  if (family !== 0) return { address: target.hostname, family, port: target.port };
  const lim = run.limit('dns');
  const lookup = run.deps.lookup ?? ((h: string) => dnsLookup(h));
  try {
    const r = await bounded(lookup(target.hostname), lim.ms, () =>
      fail({ class: 'DNS_FAILURE', detail: `no answer resolving ${target.hostname} within ${lim.why}` }),
    );
    return { address: r.address, family: r.family, port: target.port };
  } catch (err) {
    if (err instanceof Fail) throw err;
    throw fail({
      class: 'DNS_FAILURE',
      detail: `${target.hostname} does not resolve: ${describeError(err)}`,
    });
  }
}

/** TCP: a connected socket (closed with the run). CONNECT_REFUSED or CONNECT_TIMEOUT otherwise. */
export function connectTcp(run: RunState, dial: Dial, fail: FailFor): Promise<net.Socket> {
  const lim = run.limit('connect');
  const { address, family, port } = dial;
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: address, port, ...(family ? { family } : {}) });
    run.sockets.push(sock);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(
        fail({
          class: 'CONNECT_TIMEOUT',
          detail: `no TCP connection to ${address}:${port} within ${lim.why}`,
        }),
      );
    }, lim.ms);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(sock);
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(fail(classifyConnectError(err)));
    });
  });
}

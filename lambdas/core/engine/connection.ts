/**
 * One verified connection to a target, composed from the phases in order: DNS (connect.ts), then TCP and
 * the TLS handshake (tls.ts), then reading and verifying the chain (chain.ts, verify.ts) and, on the main
 * endpoint, its revocation status (revocation.ts). The main endpoint's first connection records its
 * timings, chain and warnings into the run; later connections (a token endpoint, a reconnect) do not.
 * Through a forward proxy, the proxy phase (proxy.ts) replaces DNS and TCP: it opens a CONNECT tunnel, which
 * the handshake wraps as a TlsTransport `{ socket }`, and failures after it name both hops (docs/engine.md
 * "Through a forward proxy").
 */
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { capBytes, SHOWN_MAX_BYTES } from '../text/escape';
import { type ChainCert, peerChain } from './chain';
import { connectTcp, resolveTarget } from './connect';
import type { Inputs } from './inputs';
import { openTunnel, routeText } from './proxy';
import { proxyFor, type ResolvedProxy } from './proxy-inputs';
import { checkRevocation } from './revocation';
import { Fail, type RunState } from './run-state';
import type { Target } from './target';
import { handshake, secureContext, type TlsTransport } from './tls';
import type { Classified } from './tls-errors';
import { recordHandshake, verifyChain } from './verify';

/** An open connection: the socket requests go over, and what the handshake told us. */
export interface Conn {
  readonly socket: tls.TLSSocket | net.Socket;
  readonly isTls: boolean;
  readonly protocol: string | null;
  readonly clientCertSent: boolean;
  /** The server asked for a client certificate (a CertificateRequest was read: its signature algorithms). */
  readonly certRequested: boolean;
  /** The first error seen on the socket after it was established (e.g. a TLS 1.3 alert). */
  lateError(): unknown;
  /** A TLS 1.3 session ticket arrived after the handshake (the server accepted our Finished). */
  ticketSeen(): boolean;
}

/**
 * DNS, TCP and TLS to `target`, verified. `record` false for a second connection to the main endpoint (after
 * the token endpoint closed the first): the result keeps the first connection's timings, chain and warnings.
 */
export async function open(
  run: RunState,
  target: Target,
  inputs: Inputs,
  clientCertSent: boolean,
  record = true,
): Promise<Conn> {
  const main = target.main && record;
  const proxy = proxyFor(inputs.proxy, target.url);
  const route = proxy ? ` (${routeText(proxy, target)})` : '';
  const where = target.main ? '' : `token endpoint ${target.url.host}: `;
  const fail = (c: Classified) => new Fail(c.class, `${where}${c.detail}${route}`);
  if (proxy && main) run.proxy = { url: proxy.shown, route: routeText(proxy, target) };

  let transport: TlsTransport;
  if (proxy) {
    const tunnel = await openTunnel(run, target, proxy, main);
    transport = { socket: tunnel };
  } else {
    const tDns = run.clock();
    const dial = await resolveTarget(run, target, fail);
    transport = { dial };
    if (main) {
      run.timings.dnsMs = run.clock() - tDns;
      // Through a proxy the proxy resolves the name: the processor's address stays unknown (null).
      run.address = dial.address;
    }
  }

  if (target.url.protocol === 'http:') {
    let tcp: net.Socket;
    if ('socket' in transport) {
      tcp = transport.socket as net.Socket;
    } else {
      const tConnect = run.clock();
      tcp = await connectTcp(run, transport.dial, fail);
      if (main) run.timings.connectMs = run.clock() - tConnect;
    }
    let late: unknown;
    tcp.on('error', (e) => {
      late ??= e;
    });
    return {
      socket: tcp,
      isTls: false,
      protocol: null,
      clientCertSent: false,
      certRequested: false,
      lateError: () => late,
      ticketSeen: () => false,
    };
  }

  // TCP then TLS on one socket (or TLS inside the tunnel). The secure context comes from the cache, before
  // anything is dialled (built there when the material is new, so neither clock includes it).
  const context = secureContext(run, inputs, clientCertSent);
  const tConnect = run.clock();
  let tTls = 0;
  const { socket, peer, staple, ticketSeen } = await handshake(
    run,
    target,
    transport,
    context,
    clientCertSent,
    fail,
    () => {
      tTls = run.clock();
      // Through a proxy, connectMs is the TCP connection to the proxy (proxy.ts).
      if (main && !proxy) run.timings.connectMs = tTls - tConnect;
    },
  );
  if (main) run.timings.tlsMs = run.clock() - tTls;
  let late: unknown;
  socket.on('error', (e) => {
    late ??= e;
  });
  const closed = () => {
    late ??= closeWithoutAlert();
  };
  socket.on('end', closed);
  socket.on('close', closed);

  const protocol = socket.getProtocol();
  const chain = peerChain(socket, peer);
  if (main) recordHandshake(run, socket, chain);
  try {
    verifyChain(run, socket, chain, peer, target, inputs.pins, fail);
  } catch (err) {
    throw proxy ? interceptionHint(err, chain, proxy, target) : err;
  }
  if (main) await checkRevocation(run, chain, staple, inputs.proxy);
  return {
    socket,
    isTls: true,
    protocol,
    clientCertSent,
    // On the client, OpenSSL fills the shared signature algorithms only from a CertificateRequest.
    certRequested: socket.getSharedSigalgs().length > 0,
    lateError: () => late,
    ticketSeen,
  };
}

const CLOSED = 'the server closed the connection';

/** The late error of a connection the server ended (FIN, close_notify) without a TLS alert or a reset. */
function closeWithoutAlert(): Error {
  return Object.assign(new Error(CLOSED), { code: 'ECONNRESET', closedByPeer: true });
}

export function isCloseWithoutAlert(err: unknown): boolean {
  return (err as { closedByPeer?: unknown } | undefined)?.closedByPeer === true;
}

/**
 * Through a proxy, an untrusted chain most often means the proxy inspects TLS: it terminates the connection
 * and re-signs the processor's certificate with its own CA. The detail then names that issuer.
 */
function interceptionHint(
  err: unknown,
  chain: readonly ChainCert[],
  proxy: ResolvedProxy,
  target: Target,
): unknown {
  if (!(err instanceof Fail) || err.cls !== 'CERT_UNTRUSTED') return err;
  const top = chain[chain.length - 1];
  if (!top) return err;
  // A name the proxy chose: bounded here, escaped wherever the detail is shown.
  const issuer = capBytes(top.described.issuer, SHOWN_MAX_BYTES.name);
  return new Fail(
    'CERT_UNTRUSTED',
    `${err.detail}; the issuer ${issuer} looks like a TLS-interception CA in the path: the proxy ${proxy.shown} (or a device behind it) re-signs ${target.identity}'s certificate with its own CA. If the gateway trusts that CA, add it to tls.ca (pins will then fail by design); otherwise have the proxy pass ${target.identity} through uninspected`,
  );
}

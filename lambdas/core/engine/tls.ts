/**
 * The TLS phase: the handshake with the integration's settings (a cached secure context: CA bundle, client
 * certificate, versions, ciphers; SNI; ALPN http/1.1), always with rejectUnauthorized:false so the chain is
 * read even when it does not verify (verify.ts judges it); a stapled OCSP response is requested and kept for
 * revocation.ts, and session tickets after the handshake are noted for settle.ts. Errors are classified by
 * when they came: before TCP was up or during the handshake (tls-errors.ts; docs/engine.md "The traps").
 */
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { describeError } from '../checks/errors';
import type { Dial, FailFor } from './connect';
import type { Inputs } from './inputs';
import { Fail, type Limit, type RunState } from './run-state';
import type { Target } from './target';
import { defaultTlsContexts } from './tls-context';
import { type Classified, classifyConnectError, classifyHandshakeError } from './tls-errors';

/**
 * How the handshake reaches the server: `dial` the address itself (TCP and TLS on one TLSSocket), or wrap
 * `socket`, a connection another phase already opened (an HTTP CONNECT tunnel through a proxy).
 */
export type TlsTransport = { readonly dial: Dial } | { readonly socket: Duplex };

export interface Handshake {
  readonly socket: tls.TLSSocket;
  /** The chain as Node read it for its own host name check (only when the chain verified). */
  readonly peer: tls.PeerCertificate | undefined;
  /** The OCSP response the server stapled (requested unless tls.revocation is off), when it sent one. */
  readonly staple: Buffer | undefined;
  /** A session ticket arrived after the handshake (TLS 1.3: the server's post-handshake flight was read). */
  ticketSeen(): boolean;
}

/** The secure context for this probe's TLS material; CONFIG_ERROR when OpenSSL refuses the material. */
export function secureContext(run: RunState, inputs: Inputs, clientCertSent: boolean): tls.SecureContext {
  try {
    // The resolved values: a changed referenced version or cipher list is new material, a new context.
    return (run.deps.tlsContexts ?? defaultTlsContexts).get({
      ...(inputs.ca !== undefined ? { ca: inputs.ca } : {}),
      ...(clientCertSent ? { cert: inputs.clientCert, key: inputs.clientKey } : {}),
      ...(clientCertSent && inputs.passphrase !== undefined ? { passphrase: inputs.passphrase } : {}),
      minVersion: inputs.minVersion,
      ...(inputs.maxVersion !== undefined ? { maxVersion: inputs.maxVersion } : {}),
      ...(inputs.ciphers !== undefined ? { ciphers: inputs.ciphers } : {}),
    });
  } catch (err) {
    throw rejectedSettings(run, err);
  }
}

function rejectedSettings(run: RunState, err: unknown): Fail {
  return new Fail(
    'CONFIG_ERROR',
    `OpenSSL rejected the TLS settings (tls.ca, tls.ciphers, min/maxVersion${run.tlsSources()}): ${describeError(err)}`,
  );
}

/**
 * TCP connect (when dialling) and TLS handshake on one TLSSocket (one socket object instead of a net.Socket
 * wrapped by tls.connect: ~0.08 ms less per probe). Errors and timeouts before the TCP connection are connect
 * failures, after it handshake failures; `onConnected` runs when TCP is up, just before Node sends the
 * ClientHello (at once for a socket that is already connected). Resolves with the socket and, when the chain
 * verified, the certificate Node read for its own host name check (`getPeerCertificate(true)`, the whole
 * chain), so it is not converted a second time.
 */
export function handshake(
  run: RunState,
  target: Target,
  transport: TlsTransport,
  context: tls.SecureContext,
  clientCertSent: boolean,
  fail: FailFor,
  onConnected: () => void,
): Promise<Handshake> {
  const connectLim = 'dial' in transport ? run.limit('connect') : undefined;
  let peer: tls.PeerCertificate | undefined;
  let socket: tls.TLSSocket;
  try {
    const options: tls.ConnectionOptions & { requestOCSP: boolean } = {
      ...('dial' in transport
        ? {
            host: transport.dial.address,
            port: transport.dial.port,
            ...(transport.dial.family ? { family: transport.dial.family } : {}),
          }
        : { socket: transport.socket }),
      secureContext: context,
      ...(target.servername !== undefined ? { servername: target.servername } : {}),
      // Verification is done separately (verify.ts), so the chain is read even when it does not verify.
      rejectUnauthorized: false,
      // Node calls this after a chain verified, with getPeerCertificate(true); verify.ts checks the name.
      checkServerIdentity: (_host, cert) => {
        peer = cert;
        return undefined;
      },
      ALPNProtocols: ['http/1.1'],
      // A stapled OCSP response, checked by revocation.ts (tls.revocation stapled or ocsp). tls.connect
      // passes it on to the TLSSocket; @types/node only lists it for the TLSSocket constructor.
      requestOCSP: run.p.tls.revocation !== 'off',
    };
    socket = tls.connect(options);
  } catch (err) {
    return Promise.reject(rejectedSettings(run, err));
  }
  run.sockets.push(socket as unknown as net.Socket);
  let keyExchanged = false;
  socket.once('keylog', () => {
    keyExchanged = true;
  });
  let staple: Buffer | undefined;
  // Emitted before secureConnect: with the response, or with null when the server staples none.
  socket.once('OCSPResponse', (response: Buffer | null) => {
    if (response && response.length > 0) staple = response;
  });
  // After secureConnect only: a TLS 1.2 session arrives within the handshake, a TLS 1.3 ticket after it.
  let secured = false;
  let ticket = false;
  socket.on('session', () => {
    if (secured) ticket = true;
  });
  return new Promise((resolve, reject) => {
    let connected = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      fn();
    };
    const onError = (err: Error) =>
      settle(() =>
        reject(
          fail(
            connected
              ? classifyHandshakeError(err, { keyExchanged, clientCertSent })
              : classifyConnectError(err),
          ),
        ),
      );
    const onClose = () => {
      const closed = Object.assign(
        new Error(
          connected
            ? 'the connection closed during the TLS handshake'
            : 'the connection closed before it was up',
        ),
        { code: 'ECONNRESET' },
      );
      onError(closed);
    };
    const timeout = (c: Classified) =>
      settle(() => {
        socket.destroy();
        reject(fail(c));
      });
    const startHandshakeClock = () => {
      if (settled) return;
      connected = true;
      clearTimeout(timer);
      onConnected();
      let lim: Limit;
      try {
        lim = run.limit('tls');
      } catch (err) {
        settle(() => {
          socket.destroy();
          reject(err);
        });
        return;
      }
      timer = setTimeout(
        () =>
          timeout({
            class: 'TLS_HANDSHAKE_TIMEOUT',
            detail: `TCP connected but no TLS handshake answer within ${lim.why}${keyExchanged ? ' (stalled after the key exchange)' : ''}`,
          }),
        lim.ms,
      );
    };
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.once('secureConnect', () => {
      secured = true;
      settle(() => resolve({ socket, peer, staple, ticketSeen: () => ticket }));
    });
    if ('dial' in transport && connectLim) {
      const { address, port } = transport.dial;
      timer = setTimeout(
        () =>
          timeout({
            class: 'CONNECT_TIMEOUT',
            detail: `no TCP connection to ${address}:${port} within ${connectLim.why}`,
          }),
        connectLim.ms,
      );
      // Before Node's own 'connect' listener, which sends the ClientHello: the TLS clock includes it.
      socket.prependOnceListener('connect', startHandshakeClock);
    } else {
      startHandshakeClock();
    }
  });
}

/**
 * The post-handshake check of a handshake-only probe (no request configured): did the server keep the
 * connection it just completed? Its time is `timings.settleMs`, kept out of tlsMs, firstByteMs and totalMs
 * (docs/engine.md "Timings"), because it is a wait for something that normally never comes.
 *
 * - With a client certificate (ours presented, or one the server asked for): one minimal request (GET of
 *   the endpoint's path, no credentials). A TLS 1.3 verdict on the certificate arrives on its first read,
 *   a server that hangs up shows as a close, and a server that refuses at the HTTP layer (nginx's 400 "No
 *   required SSL certificate was sent") answers it. Its status is not judged otherwise.
 * - Without: a bounded wait for a post-handshake alert, close or reset. It ends once the server's
 *   post-handshake flight has been read (TLS 1.3: its session tickets; TLS 1.2: its Finished, already read)
 *   and a short tail for a close right behind it; the grace period is only the bound.
 */
import type * as tls from 'node:tls';
import { describeError } from '../checks/errors';
import { clientCertRefusal } from './cert-refusal';
import type { Conn } from './connection';
import { isCloseWithoutAlert } from './connection';
import { ExchangeError, exchange } from './http-request';
import { Fail, type RunState } from './run-state';
import { hostHeader, type Target } from './target';
import { classifyPostHandshakeError } from './tls-errors';

/** After the server's last flight, how long a close right behind it may take to arrive (at least). */
export const SETTLE_TAIL_MS = 10;
/** The default bound of the wait: min(this, timeoutMs / 2). */
export const DEFAULT_GRACE_MS = 250;
/** How much of the minimal request's answer is read (enough for a refusal's words). */
const REFUSAL_BODY_BYTES = 4096;

/** The post-handshake check; settleMs is recorded whatever its outcome. */
export async function settle(run: RunState, conn: Conn, target: Target): Promise<void> {
  if (!conn.isTls) return;
  const t0 = run.clock();
  try {
    const early = conn.lateError();
    if (early !== undefined) throw lateFailure(conn, early);
    if (conn.clientCertSent || conn.certRequested) return await minimalRequest(run, conn, target);
    await quietWait(run, conn);
    const late = conn.lateError();
    if (late !== undefined) throw lateFailure(conn, late);
  } finally {
    run.timings.settleMs = run.clock() - t0;
  }
}

/** The bound of the check: postHandshakeGraceMs (default min(250, timeoutMs/2)), within the budget. */
function graceMs(run: RunState): number {
  const remaining = run.deadline - run.clock();
  const wanted = run.deps.postHandshakeGraceMs ?? Math.min(DEFAULT_GRACE_MS, run.p.timeoutMs / 2);
  return Math.max(0, Math.min(wanted, remaining - 1));
}

/**
 * Waits for an alert, close or reset, until the server's post-handshake flight has been read and a tail
 * after it, bounded by the grace period.
 */
function quietWait(run: RunState, conn: Conn): Promise<void> {
  const socket = conn.socket as tls.TLSSocket;
  const grace = graceMs(run);
  // A close right behind the last flight: sent by the server at once, so it trails by its own processing
  // time, not by a round trip; the connect time stands in for the path's jitter.
  const tail = Math.min(grace, Math.max(SETTLE_TAIL_MS, run.timings.connectMs ?? 0));
  const tls13 = conn.protocol === 'TLSv1.3';
  return new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      socket.removeListener('session', onTicket);
      socket.removeListener('end', done);
      socket.removeListener('close', done);
      socket.removeListener('error', done);
      resolve();
    };
    // On expiry, one more turn of the event loop: data or a reset already delivered to the socket is read
    // before the wait is called quiet.
    const after = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => setImmediate(done), ms);
    };
    // TLS 1.3: the tickets are the server's post-handshake flight, sent once it accepted our Finished.
    const onTicket = () => after(tail);
    if (conn.lateError() !== undefined || socket.destroyed) return resolve();
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', done);
    if (tls13 && conn.ticketSeen()) after(tail);
    else if (tls13) {
      socket.once('session', onTicket);
      after(grace);
    } else after(tail);
    socket.resume();
  });
}

/** One GET without credentials, so that a refusal of our client certificate (or of its absence) shows. */
async function minimalRequest(run: RunState, conn: Conn, target: Target): Promise<void> {
  const bound = Math.max(0, Math.floor(Math.min(run.p.timeoutMs, run.deadline - run.clock() - 1)));
  if (bound <= 0) return;
  try {
    const res = await exchange({
      socket: conn.socket,
      method: 'GET',
      path: target.url.pathname || '/',
      host: hostHeader(target),
      headers: { 'user-agent': 'payprobe', accept: '*/*' },
      keepAlive: false,
      timeoutMs: bound,
      maxBodyBytes: Math.min(REFUSAL_BODY_BYTES, run.p.maxBodyBytes),
      clock: run.clock,
    });
    const refusal = clientCertRefusal(res);
    if (refusal) throw refusedAtHttp(conn, refusal);
  } catch (err) {
    if (!(err instanceof ExchangeError)) throw err;
    // No answer in time: no refusal was seen. An error: the alert or close (the connection saw it first).
    if (err.kind === 'error') throw lateFailure(conn, conn.lateError() ?? err.cause);
  }
}

/** CLIENT_CERT_REJECTED from an HTTP answer that refuses our client certificate (or its absence). */
export function refusedAtHttp(conn: Pick<Conn, 'clientCertSent'>, words: string): Fail {
  return new Fail(
    'CLIENT_CERT_REJECTED',
    conn.clientCertSent
      ? `the server completed the handshake but refused our client certificate at the HTTP layer: ${words}`
      : `the server requires a client certificate and none is configured (tls.clientCert/tls.clientKey); it completed the handshake and refused the request: ${words}`,
  );
}

/** An alert, close or reset after the handshake, classified (a plain close is TLS_CONNECTION_RESET). */
function lateFailure(conn: Conn, late: unknown): Fail {
  const c = classifyPostHandshakeError(late, {
    keyExchanged: true,
    clientCertSent: conn.clientCertSent,
    protocol: conn.protocol,
  });
  if (c.class !== 'HTTP_ERROR') return new Fail(c.class, c.detail);
  const after = `right after the ${conn.protocol ?? 'TLS'} handshake`;
  return new Fail(
    'TLS_CONNECTION_RESET',
    isCloseWithoutAlert(late)
      ? `the server closed the connection ${after}, without an alert`
      : `the server reset the connection ${after}: ${describeError(late)}`,
  );
}

/**
 * One HTTP/1.1 request over an already-open connection (the probe's own TLS socket), with Node's http client
 * (`createConnection` hands it our socket, so nothing else is dialled and no redirect is ever followed).
 * Bounded by a timeout from send to the end of the (capped) body.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface ExchangeRequest {
  readonly socket: Duplex;
  readonly method: string;
  readonly path: string;
  /** Host header value. */
  readonly host: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  /** Keep the connection open for another request afterwards. */
  readonly keepAlive: boolean;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  readonly clock: () => number;
}

export interface ExchangeResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** At most maxBodyBytes. */
  readonly body: Buffer;
  readonly truncated: boolean;
  /** Milliseconds from sending the request to the response head. */
  readonly firstByteMs: number;
}

/** Why an exchange failed: no response head in time, the body stalled, or an error on the connection. */
export class ExchangeError extends Error {
  constructor(
    readonly kind: 'timeout' | 'body-timeout' | 'error' | 'invalid-request',
    override readonly cause: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'ExchangeError';
  }
}

export function exchange(r: ExchangeRequest): Promise<ExchangeResponse> {
  return new Promise((resolve, reject) => {
    const sent = r.clock();
    let done = false;
    let response: http.IncomingMessage | undefined;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      fn();
    };
    const headers: Record<string, string> = {
      ...r.headers,
      host: r.host,
      connection: r.keepAlive ? 'keep-alive' : 'close',
    };
    if (r.body !== undefined) headers['content-length'] = String(Buffer.byteLength(r.body));
    let req: http.ClientRequest;
    try {
      req = http.request({
        createConnection: () => r.socket as Socket,
        method: r.method,
        path: r.path,
        headers,
        // One response, never a redirect: Node's http client does not follow redirects, and we don't either.
      });
    } catch (err) {
      // Invalid header names or values (e.g. a secret with a newline): Node names the header, not the value.
      reject(new ExchangeError('invalid-request', err, (err as Error).message));
      return;
    }
    const timer = setTimeout(
      () => {
        finish(() => {
          const kind = response ? 'body-timeout' : 'timeout';
          req.destroy();
          reject(new ExchangeError(kind, undefined, response ? 'response body stalled' : 'no response'));
        });
      },
      Math.max(1, r.timeoutMs),
    );
    req.on('error', (err) => finish(() => reject(new ExchangeError('error', err, err.message))));
    req.on('response', (res) => {
      response = res;
      const firstByteMs = r.clock() - sent;
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const complete = () =>
        finish(() =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            truncated,
            firstByteMs,
          }),
        );
      res.on('data', (chunk: Buffer) => {
        if (truncated) return;
        const room = r.maxBodyBytes - size;
        if (chunk.length > room) {
          if (room > 0) chunks.push(chunk.subarray(0, room));
          size = r.maxBodyBytes;
          truncated = true;
          complete();
          res.destroy();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', complete);
      res.on('error', (err) => finish(() => reject(new ExchangeError('error', err, err.message))));
      res.on('aborted', () =>
        finish(() => reject(new ExchangeError('error', new Error('response aborted'), 'response aborted'))),
      );
    });
    req.end(r.body);
  });
}

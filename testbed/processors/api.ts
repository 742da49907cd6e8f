/**
 * The simulated processor API every HTTPS kind serves: an OAuth 2.0 token endpoint (client credentials, Basic
 * or form client auth), a credential check (bearer, basic or a named header; 401 with WWW-Authenticate
 * otherwise), redirects, delays, a chosen status and an endless body. Requests are recorded for assertions
 * (which headers arrived, over which connection, with which SNI).
 */
import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import type * as tls from 'node:tls';
import type { ExpectedCredentials, RecordedRequest, SimOptions } from './kinds';

function credentialOk(expected: ExpectedCredentials | undefined, req: http.IncomingMessage): boolean {
  if (!expected) return true;
  switch (expected.type) {
    case 'bearer':
      return req.headers.authorization === `Bearer ${expected.token}`;
    case 'basic':
      return (
        req.headers.authorization ===
        `Basic ${Buffer.from(`${expected.username}:${expected.password}`).toString('base64')}`
      );
    case 'header':
      return req.headers[expected.name.toLowerCase()] === expected.value;
  }
}

function oauthClient(req: http.IncomingMessage, body: string): { id?: string; secret?: string } {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const [id, secret] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
    const dec = (s: string | undefined) =>
      s === undefined ? undefined : decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: dec(id), secret: dec(secret) };
  }
  const form = new URLSearchParams(body);
  return { id: form.get('client_id') ?? undefined, secret: form.get('client_secret') ?? undefined };
}

const json = (
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
};

/** The API handler shared by every HTTPS kind: OAuth token endpoint, credential check, redirect, delay, status. */
export function apiHandler(o: SimOptions, requests: RecordedRequest[]): http.RequestListener {
  const issued = new Set<string>();
  const tokenPath = o.oauth?.path ?? '/oauth/token';
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const sni = (req.socket as tls.TLSSocket & { servername?: string | false }).servername;
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        ...(typeof sni === 'string' ? { servername: sni } : {}),
        ...(req.socket.remotePort !== undefined ? { remotePort: req.socket.remotePort } : {}),
      });
      const answer = () => {
        if (o.redirectTo) {
          res.writeHead(302, { location: o.redirectTo, 'content-length': 0 });
          res.end();
          return;
        }
        if (o.oauth && req.url?.split('?')[0] === tokenPath) {
          const c = oauthClient(req, body);
          if (req.method !== 'POST' || new URLSearchParams(body).get('grant_type') !== 'client_credentials') {
            json(res, 400, { error: 'unsupported_grant_type' });
          } else if (c.id === o.oauth.clientId && c.secret === o.oauth.clientSecret) {
            const token = o.oauth.accessToken ?? `tok_${randomBytes(12).toString('hex')}`;
            issued.add(token);
            json(
              res,
              200,
              { access_token: token, token_type: 'Bearer', expires_in: 3600 },
              o.oauth.tokenConnectionClose ? { connection: 'close' } : {},
            );
          } else {
            json(res, o.oauth.invalidClientStatus ?? 401, {
              error: 'invalid_client',
              error_description: 'Client Authentication failed',
            });
          }
          return;
        }
        const bearer = req.headers.authorization?.startsWith('Bearer ')
          ? req.headers.authorization.slice(7)
          : undefined;
        const authorized = o.oauth
          ? bearer !== undefined && issued.has(bearer)
          : credentialOk(o.credentials, req);
        if (!authorized) {
          json(
            res,
            401,
            { error: { type: 'invalid_request_error', message: 'Invalid API key provided' } },
            { 'www-authenticate': 'Bearer error="invalid_token"' },
          );
          return;
        }
        const status = o.status ?? 200;
        if (o.endlessBody) {
          res.writeHead(status, { 'content-type': 'application/json' });
          const chunk = Buffer.alloc(16 * 1024, ' ');
          const pump = () => {
            while (!res.destroyed && res.write(chunk)) {
              // fill the socket until it pushes back
            }
            if (!res.destroyed) res.once('drain', pump);
          };
          pump();
          return;
        }
        if (o.body !== undefined) {
          res.writeHead(status, {
            'content-type': o.body.contentType ?? 'application/json',
            'content-length': Buffer.byteLength(o.body.text),
          });
          res.end(o.body.text);
          return;
        }
        json(
          res,
          status,
          status < 400
            ? { object: 'balance', available: [{ amount: 0, currency: 'usd' }] }
            : { error: 'internal' },
        );
      };
      if (o.delayMs) setTimeout(answer, o.delayMs);
      else answer();
    });
  };
}

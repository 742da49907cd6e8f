/**
 * Authentication rules: the probe proves the credentials (an authenticated request is configured and uses
 * them), and a rejected credential can never count as success (expectStatus without 401, 403 or 407).
 */
import type { ProcessorConfig } from '../../config/load';
import type { AuditContext } from '../context';

/** no-auth-check and expect-status-accepts-rejection. */
export function authRules(ctx: AuditContext, p: ProcessorConfig, i: number): void {
  const auth = p.auth;
  const creds = auth?.credentials;
  if (!auth || (!auth.request && !creds)) {
    ctx.add(
      'no-auth-check',
      p.name,
      `processors[${i}].auth`,
      'no auth section: only DNS, TCP and TLS are probed',
    );
  } else if (!creds) {
    ctx.add(
      'no-auth-check',
      p.name,
      ctx.origin(i, 'auth.credentials'),
      'auth.request is sent without credentials: it proves the HTTP path, not the credentials',
    );
  } else if (!auth.request && creds.type !== 'oauth2-client-credentials') {
    ctx.add(
      'no-auth-check',
      p.name,
      ctx.origin(i, 'auth.request', true),
      `auth.credentials (${creds.type}) is set but no auth.request uses it`,
      {
        fix: 'add auth.request: a cheap read-only call that needs the credentials, e.g. { method: GET, path: /v1/balance }',
      },
    );
  }
  const rejecting = (auth?.expectStatus ?? []).filter((s) => s === 401 || s === 403 || s === 407);
  if (rejecting.length > 0) {
    ctx.add(
      'expect-status-accepts-rejection',
      p.name,
      ctx.origin(i, 'auth.expectStatus', true),
      `auth.expectStatus accepts ${rejecting.join(', ')}: rejected credentials would pass`,
    );
  }
}

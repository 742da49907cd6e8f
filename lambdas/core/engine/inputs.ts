/**
 * The inputs phase: every value the probe needs (endpoint, server name, CA, client certificate and key,
 * TLS versions, ciphers, pins, request path, credentials) read once through the SecretResolver, within the
 * budget, before anything is dialled. Values read into fields the schema checks when plain are checked here
 * with the audit's own checks (config/referenced-values.ts). Each input leaves a fingerprint in the result,
 * never a value; each secret is noted for redaction (docs/engine.md "How a probe runs", step 1).
 */

import { pemBlocks } from '../checks/certificates';
import { describeError } from '../checks/errors';
import {
  type Checked,
  checkCipherList,
  checkPins,
  checkRequestPath,
  checkScope,
  checkTlsVersion,
  checkTokenUrl,
} from '../config/referenced-values';
import {
  type Credentials,
  type SecretRef,
  TLS_VERSIONS,
  type TlsVersion,
  type ValueOrRef,
} from '../config/schema';
import { describeRef, isSecretRef, type ResolvedValue, SecretError } from '../secrets/resolver';
import { bounded } from './bounded';
import { publicFingerprint, publicUrl, secretFingerprint } from './fingerprints';
import { type ProxyChoice, resolveProxy } from './proxy-inputs';
import { Fail, type RunState } from './run-state';

/** Everything a run connects and authenticates with, as read on this run. */
export interface Inputs {
  readonly url: URL;
  readonly servername?: string;
  readonly ca?: string;
  readonly clientCert?: string;
  readonly clientKey?: string;
  readonly passphrase?: string;
  readonly minVersion: TlsVersion;
  readonly maxVersion?: TlsVersion;
  readonly ciphers?: string;
  readonly pins?: readonly string[];
  /** auth.request.path as read (a referenced one checked to start with /). */
  readonly requestPath?: string;
  readonly creds?: ResolvedCredentials;
  /** The forward proxy setting as read on this run (proxy-inputs.ts); absent for direct connections. */
  readonly proxy?: ProxyChoice;
}

export type ResolvedCredentials =
  | { readonly type: 'bearer'; readonly token: string }
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  | { readonly type: 'header'; readonly name: string; readonly value: string }
  | OAuthCredentials;

export interface OAuthCredentials {
  readonly type: 'oauth2-client-credentials';
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientAuth: 'basic' | 'post';
  readonly scope?: string;
  /** How the token is requested (schema TOKEN_METHODS). */
  readonly tokenMethod: 'POST' | 'GET';
}

type SecretField = (field: string, ref: SecretRef | undefined) => Promise<string | undefined>;
type PublicField = (
  field: string,
  v: ValueOrRef<string> | undefined,
  fingerprint: (s: string) => string,
) => Promise<string | undefined>;

/** Reads and checks every input; CONFIG_ERROR naming the field and reference when one cannot be used. */
export function resolveInputs(run: RunState): Promise<Inputs> {
  const budgetMs = run.p.budgetMs;
  return bounded(
    readAll(run),
    budgetMs,
    () => new Fail('CONFIG_ERROR', `reading the secrets took longer than the probe budget (${budgetMs} ms)`),
  );
}

async function readAll(run: RunState): Promise<Inputs> {
  const p = run.p;
  const secretField: SecretField = async (field, ref) => {
    if (!ref) return undefined;
    const v = await read(run, field, ref);
    run.secretValues.add(v.value);
    run.inputs[field] = secretFingerprint(v);
    noteDate(run, field, v);
    return v.value;
  };
  const publicField: PublicField = async (field, v, fingerprint) => {
    if (v === undefined) return undefined;
    const r = isSecretRef(v) ? await read(run, field, v) : { value: v };
    run.inputs[field] = `${fingerprint(r.value)}${r.version !== undefined ? `@${r.version}` : ''}`;
    noteDate(run, field, r);
    return r.value;
  };
  const referencedField = async <T>(
    field: string,
    v: T | SecretRef | undefined,
    check: (s: string) => Checked<T>,
    fingerprint: (value: T) => string,
  ): Promise<T | undefined> => {
    if (v === undefined) return undefined;
    if (!isSecretRef(v)) return v as T;
    const r = await read(run, field, v);
    const c = check(r.value);
    if (!c.ok) throw new Fail('CONFIG_ERROR', `${field}: ${describeRef(v)} ${c.problem}`);
    run.referenced.set(field, v);
    run.inputs[field] = `${fingerprint(c.value)}${r.version !== undefined ? `@${r.version}` : ''}`;
    noteDate(run, field, r);
    return c.value;
  };

  const endpoint = (await publicField('endpoint', p.endpoint, publicUrl)) as string;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Fail('CONFIG_ERROR', 'endpoint is not a URL (expected https://host[:port][/base-path])');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Fail('CONFIG_ERROR', `endpoint scheme ${url.protocol} is not supported (https or http)`);
  }
  // Checked before any credential is read: a plaintext http endpoint may be probed, but never with them.
  if (url.protocol === 'http:' && p.auth?.credentials) {
    throw new Fail(
      'CONFIG_ERROR',
      'endpoint: credentials are never sent over plaintext http: use https (or remove auth.credentials to probe it without them)',
    );
  }
  const oauth = p.auth?.credentials?.type === 'oauth2-client-credentials' ? p.auth.credentials : undefined;
  const tokenUrl = await referencedField(
    'auth.credentials.tokenUrl',
    oauth?.tokenUrl,
    checkTokenUrl,
    publicUrl,
  );
  if (oauth && tokenUrl !== undefined && !isSecretRef(oauth.tokenUrl))
    run.inputs['auth.credentials.tokenUrl'] = publicUrl(tokenUrl);
  if (tokenUrl !== undefined && /^http:/i.test(tokenUrl)) {
    throw new Fail(
      'CONFIG_ERROR',
      `auth.credentials.tokenUrl${isSecretRef(oauth?.tokenUrl) ? ` (${describeRef(oauth.tokenUrl)})` : ''}: credentials are never sent over plaintext http: use https`,
    );
  }
  const servername = await publicField('tls.servername', p.tls.servername, (s) => s);
  const ca = await publicField('tls.ca', p.tls.ca, publicFingerprint);
  if (ca !== undefined && pemBlocks(ca).length === 0) {
    // OpenSSL would skip it silently and every probe would fail as CERT_UNTRUSTED: name the real cause.
    throw new Fail(
      'CONFIG_ERROR',
      `tls.ca: ${p.tls.ca ? describeRef(p.tls.ca) : 'the CA bundle'} holds no PEM certificate (expected "-----BEGIN CERTIFICATE-----" blocks)`,
    );
  }
  const minVersion = (await referencedField<TlsVersion>(
    'tls.minVersion',
    p.tls.minVersion,
    checkTlsVersion,
    (v) => v,
  )) as TlsVersion;
  const maxVersion = await referencedField<TlsVersion>(
    'tls.maxVersion',
    p.tls.maxVersion,
    checkTlsVersion,
    (v) => v,
  );
  if (maxVersion !== undefined && TLS_VERSIONS.indexOf(maxVersion) < TLS_VERSIONS.indexOf(minVersion)) {
    throw new Fail(
      'CONFIG_ERROR',
      `tls.minVersion ${minVersion}${run.from('tls.minVersion')} is above tls.maxVersion ${maxVersion}${run.from('tls.maxVersion')}: no TLS version is left; change the one the integration reads`,
    );
  }
  const ciphers = await referencedField('tls.ciphers', p.tls.ciphers, checkCipherList, publicFingerprint);
  const pins = await referencedField<readonly string[]>('tls.pins', p.tls.pins, checkPins, (list) =>
    publicFingerprint(list.join(',')),
  );
  const requestPath = await referencedField(
    'auth.request.path',
    p.auth?.request?.path,
    checkRequestPath,
    publicUrl,
  );
  const clientCert = await publicField('tls.clientCert', p.tls.clientCert, publicFingerprint);
  const clientKey = await secretField('tls.clientKey', p.tls.clientKey);
  const passphrase = await secretField('tls.clientKeyPassphrase', p.tls.clientKeyPassphrase);
  const scope = await referencedField('auth.credentials.scope', oauth?.scope, checkScope, publicFingerprint);
  const creds = await resolveCredentials(p.auth?.credentials, secretField, publicField, { tokenUrl, scope });
  const proxy = await resolveProxy(run, { secret: secretField, public: publicField });
  return {
    url,
    servername,
    ca,
    clientCert,
    clientKey,
    passphrase,
    minVersion,
    ...(maxVersion !== undefined ? { maxVersion } : {}),
    ...(ciphers !== undefined ? { ciphers } : {}),
    ...(pins !== undefined ? { pins } : {}),
    ...(requestPath !== undefined ? { requestPath } : {}),
    creds,
    ...(proxy ? { proxy } : {}),
  };
}

async function resolveCredentials(
  c: Credentials | undefined,
  secret: SecretField,
  plain: PublicField,
  oauth: { tokenUrl?: string; scope?: string },
): Promise<ResolvedCredentials | undefined> {
  if (!c) return undefined;
  const f = 'auth.credentials';
  const hashed = (s: string) => secretFingerprint({ value: s });
  switch (c.type) {
    case 'bearer':
      return { type: 'bearer', token: (await secret(`${f}.token`, c.token)) as string };
    case 'basic':
      return {
        type: 'basic',
        username: (await plain(`${f}.username`, c.username, hashed)) as string,
        password: (await secret(`${f}.password`, c.password)) as string,
      };
    case 'header':
      return { type: 'header', name: c.name, value: (await secret(`${f}.value`, c.value)) as string };
    case 'oauth2-client-credentials': {
      if (!oauth.tokenUrl)
        throw new Fail('CONFIG_ERROR', 'auth.credentials.tokenUrl is required for oauth2-client-credentials');
      return {
        type: c.type,
        tokenUrl: oauth.tokenUrl,
        clientId: (await plain(`${f}.clientId`, c.clientId, hashed)) as string,
        clientSecret: (await secret(`${f}.clientSecret`, c.clientSecret)) as string,
        clientAuth: c.clientAuth ?? 'basic',
        tokenMethod: c.tokenMethod ?? 'POST',
        ...(oauth.scope !== undefined ? { scope: oauth.scope } : {}),
      };
    }
  }
}

/** When the source says when this version was created, the result keeps it (ProbeResult.inputDates). */
function noteDate(run: RunState, field: string, v: ResolvedValue | { value: string }): void {
  if ('updatedAt' in v && v.updatedAt !== undefined) run.inputDates[field] = v.updatedAt;
}

async function read(run: RunState, field: string, ref: SecretRef): Promise<ResolvedValue> {
  try {
    return await run.deps.secrets.resolve(ref, run.p.baseDir);
  } catch (err) {
    if (err instanceof SecretError) throw new Fail('CONFIG_ERROR', `${field}: ${err.message}`);
    throw new Fail('CONFIG_ERROR', `${field}: cannot read ${describeRef(ref)}: ${describeError(err)}`);
  }
}

/**
 * TLS secure contexts for the probe engine, built once per distinct TLS material and reused.
 *
 * `tls.connect({ ca: [...tls.rootCertificates, ca] })` parses every root and builds a fresh OpenSSL context
 * on each call (~20 ms of CPU and several hundred KB). The material a context is built from (extra CA bundle,
 * client certificate, key and passphrase, ciphers, min/max version) rarely changes between probes, so the
 * context is built once per distinct material and passed to `tls.connect` as `secureContext`. Per connection
 * stay SNI, ALPN, rejectUnauthorized and the host name check.
 *
 * Contexts are found by an HMAC of the material under a random per-process key, so no map key holds (or lets
 * anyone guess offline) a private key or passphrase. The cache is a bounded LRU: a rotated CA or client
 * certificate is new material with a new context, and the old one is dropped once it is the least recently
 * used (connections still using it keep it alive until they close).
 */
import { createHmac, randomBytes } from 'node:crypto';
import * as tls from 'node:tls';

/** Everything a secure context is built from. Fields left out take Node's defaults. */
export interface TlsMaterial {
  /** Extra trust (PEM), added to Node's bundled roots. Without it the default trust store is used. */
  readonly ca?: string;
  /** Our client certificate chain (PEM), with its key; only when one is presented. */
  readonly cert?: string;
  readonly key?: string;
  readonly passphrase?: string;
  readonly ciphers?: string;
  readonly minVersion?: tls.SecureVersion;
  readonly maxVersion?: tls.SecureVersion;
}

const KEY = randomBytes(32);
const FIELDS = ['ca', 'cert', 'key', 'passphrase', 'ciphers', 'minVersion', 'maxVersion'] as const;

/** The cache key of some material: HMAC-SHA-256 over every field (length-prefixed, absent ≠ empty). */
export function materialId(m: TlsMaterial): string {
  const h = createHmac('sha256', KEY);
  for (const f of FIELDS) {
    const v = m[f];
    if (v === undefined) h.update(`${f}:-;`);
    else
      h.update(`${f}:${Buffer.byteLength(v)}:`)
        .update(v)
        .update(';');
  }
  return h.digest('hex');
}

function contextOptions(m: TlsMaterial): tls.SecureContextOptions {
  return {
    ...(m.ca !== undefined ? { ca: [...tls.rootCertificates, m.ca] } : {}),
    ...(m.cert !== undefined ? { cert: m.cert } : {}),
    ...(m.key !== undefined ? { key: m.key } : {}),
    ...(m.passphrase !== undefined ? { passphrase: m.passphrase } : {}),
    ...(m.ciphers !== undefined ? { ciphers: m.ciphers } : {}),
    ...(m.minVersion !== undefined ? { minVersion: m.minVersion } : {}),
    ...(m.maxVersion !== undefined ? { maxVersion: m.maxVersion } : {}),
  };
}

export interface TlsContextCacheOptions {
  /** Distinct materials kept at once; the least recently used is dropped beyond it. @default 64 */
  readonly maxEntries?: number;
}

/** A bounded LRU of secure contexts keyed by the HMAC of their material. */
export class TlsContextCache {
  private readonly contexts = new Map<string, tls.SecureContext>();
  private readonly maxEntries: number;
  private builds = 0;

  constructor(options: TlsContextCacheOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 64);
  }

  /**
   * The secure context for this material, built the first time it is seen. Throws OpenSSL's error when the
   * material is unusable (for example ciphers OpenSSL does not know): nothing is kept, the next call tries
   * again.
   */
  get(material: TlsMaterial): tls.SecureContext {
    const id = materialId(material);
    const hit = this.contexts.get(id);
    if (hit) {
      // Most recently used last.
      this.contexts.delete(id);
      this.contexts.set(id, hit);
      return hit;
    }
    const context = tls.createSecureContext(contextOptions(material));
    this.builds++;
    this.contexts.set(id, context);
    if (this.contexts.size > this.maxEntries) {
      const oldest = this.contexts.keys().next().value;
      if (oldest !== undefined) this.contexts.delete(oldest);
    }
    return context;
  }

  /** Contexts held now. */
  get size(): number {
    return this.contexts.size;
  }

  /** Contexts built so far: one per distinct material, again after it was dropped. */
  get built(): number {
    return this.builds;
  }
}

/** The process-wide cache every probe uses unless ProbeDeps.tlsContexts names another. */
export const defaultTlsContexts = new TlsContextCache();

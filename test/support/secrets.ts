/**
 * Test helpers for the probe engine: the testbed's in-memory SecretResolver and DNS lookups that fail the
 * way getaddrinfo does.
 */
import type { LookupAddress } from '../../lambdas/core/engine/probe';

export { MemorySecrets } from '../../testbed/memory-secrets';

/** A lookup that fails like getaddrinfo for a name that does not exist (ENOTFOUND). */
export function notFoundLookup(): (hostname: string) => Promise<LookupAddress> {
  return async (hostname) => {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
      code: 'ENOTFOUND',
      syscall: 'getaddrinfo',
      hostname,
    });
  };
}

/** A lookup that answers every name with one address (a fake zone pointing at the testbed); records the names asked. */
export function fixedLookup(
  address = '127.0.0.1',
): ((hostname: string) => Promise<LookupAddress>) & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (hostname: string) => {
    calls.push(hostname);
    return { address, family: 4 };
  };
  return Object.assign(fn, { calls });
}

/** A lookup that never answers. */
export function hangingLookup(): (hostname: string) => Promise<LookupAddress> {
  return () => new Promise<LookupAddress>(() => undefined);
}

/**
 * The facts of one probe that "what changed" compares (issue "One incident, one verdict"): input fingerprints
 * and versions (never values) with the dates their versions were created, the address dialled, the
 * negotiated protocol and cipher, the server chain's fingerprints and names, our client certificate's
 * fingerprint and the HTTP status. A Snapshot is what the history store keeps of the last passing probe
 * (./history.ts); snapshotChanges() lists what differs between two of them, and rankChanges() puts the change
 * closest before the failure's onset first (docs/diagnosis.md "What changed").
 *
 * Certificate names come from the server: untrusted text, bounded here (CERT_NAME_MAX) and escaped where a
 * page or terminal shows it.
 */
import { createHash } from 'node:crypto';
import type { ProbeResult } from '../contract/result';
import { changedInputs } from '../engine/fingerprints';

/** A certificate of the server chain as a snapshot keeps it. */
export interface CertFacts {
  readonly fingerprint256: string;
  readonly subject: string;
  readonly issuer: string;
}

export interface Snapshot {
  readonly processor: string;
  /** When the probe ran (its startedAt, ISO 8601). */
  readonly at: string;
  /** Input fingerprints and versions by field (ProbeResult.inputs): never a value. */
  readonly inputs: Readonly<Record<string, string>>;
  /** When each referenced input's version was created at its source, by field (ProbeResult.inputDates). */
  readonly inputDates: Readonly<Record<string, string>>;
  /** The address dialled, null when DNS was not reached or did not resolve. */
  readonly address: string | null;
  readonly protocol: string | null;
  readonly cipher: string | null;
  /** The server chain as presented, leaf first (empty when no handshake got that far). */
  readonly chain: readonly CertFacts[];
  /** Our client certificate's fingerprint (its input fingerprint), null without mTLS. */
  readonly clientCert: string | null;
  readonly status: number | null;
}

/** Longest certificate subject or issuer a snapshot keeps (server text: bounded). */
export const CERT_NAME_MAX = 200;

const bound = (s: string) => (s.length > CERT_NAME_MAX ? `${s.slice(0, CERT_NAME_MAX)}…` : s);

/** The facts of a probe result worth comparing. */
export function snapshotOf(result: ProbeResult): Snapshot {
  const chain = result.tls?.chain.length
    ? result.tls.chain
    : result.tls?.serverCert
      ? [result.tls.serverCert]
      : [];
  return {
    processor: result.processor,
    at: result.startedAt,
    inputs: { ...result.inputs },
    inputDates: { ...(result.inputDates ?? {}) },
    address: result.address ?? null,
    protocol: result.tls?.protocol ?? null,
    cipher: result.tls?.cipher ?? null,
    chain: chain.map((c) => ({
      fingerprint256: c.fingerprint256,
      subject: bound(c.subject),
      issuer: bound(c.issuer),
    })),
    clientCert: result.inputs['tls.clientCert'] ?? null,
    status: result.http?.status ?? null,
  };
}

/**
 * A digest of the facts that matter for "what changed", without the time and the address (DNS answers of
 * many processors rotate through a pool; a rotation alone is not worth a write). Two snapshots with the same
 * digest need not both be stored.
 */
export function factsDigest(s: Snapshot): string {
  const facts = {
    inputs: Object.entries(s.inputs).sort(),
    protocol: s.protocol,
    cipher: s.cipher,
    chain: s.chain.map((c) => c.fingerprint256),
    status: s.status,
  };
  return createHash('sha256').update(JSON.stringify(facts)).digest('hex').slice(0, 32);
}

/** What a change is about, in the order a page lists changes of unknown time. */
export const CHANGE_KINDS = [
  'setting',
  'server-leaf',
  'server-issuer',
  'address',
  'protocol',
  'cipher',
  'client-cert',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** Whose side a change is on: our configuration, or the processor's servers and DNS. */
export type Side = 'ours' | 'theirs';

export interface Change {
  readonly kind: ChangeKind;
  readonly side: Side;
  /** The input field (`tls.ca`), or the fact (`server.leaf`, `server.issuer`, `address`, `tls.protocol`, `tls.cipher`). */
  readonly field: string;
  readonly before: string | null;
  readonly after: string | null;
  /** When it changed, when known: the new version's creation time at its source (ISO 8601). */
  readonly at: string | null;
}

const SIDE: Readonly<Record<ChangeKind, Side>> = {
  setting: 'ours',
  'client-cert': 'ours',
  'server-leaf': 'theirs',
  'server-issuer': 'theirs',
  address: 'theirs',
  protocol: 'theirs',
  cipher: 'theirs',
};

function change(
  kind: ChangeKind,
  field: string,
  before: string | null,
  after: string | null,
  at: string | null = null,
): Change {
  return { kind, side: SIDE[kind], field, before, after, at };
}

/**
 * What differs from `before` (the last passing probe) to `after` (the failing one). A fact the failing run did
 * not reach (no chain after a DNS failure, an input it could not read) is not a change: only what both runs
 * saw, or what is new, counts.
 */
export function snapshotChanges(before: Snapshot, after: Snapshot): Change[] {
  const out: Change[] = [];
  for (const field of changedInputs(before.inputs, after.inputs)) {
    const now = after.inputs[field];
    if (now === undefined) continue;
    const kind: ChangeKind = field === 'tls.clientCert' ? 'client-cert' : 'setting';
    out.push(change(kind, field, before.inputs[field] ?? null, now, after.inputDates[field] ?? null));
  }
  const [leafBefore] = before.chain;
  const [leafAfter] = after.chain;
  if (leafBefore && leafAfter) {
    if (leafBefore.issuer !== leafAfter.issuer) {
      out.push(change('server-issuer', 'server.issuer', leafBefore.issuer, leafAfter.issuer));
    }
    if (leafBefore.fingerprint256 !== leafAfter.fingerprint256) {
      out.push(
        change(
          'server-leaf',
          'server.leaf',
          `${leafBefore.subject} (sha256 ${leafBefore.fingerprint256.slice(0, 23)}…)`,
          `${leafAfter.subject} (sha256 ${leafAfter.fingerprint256.slice(0, 23)}…)`,
        ),
      );
    }
  }
  if (before.address && after.address && before.address !== after.address) {
    out.push(change('address', 'address', before.address, after.address));
  }
  if (before.protocol && after.protocol && before.protocol !== after.protocol) {
    out.push(change('protocol', 'tls.protocol', before.protocol, after.protocol));
  }
  if (before.cipher && after.cipher && before.cipher !== after.cipher) {
    out.push(change('cipher', 'tls.cipher', before.cipher, after.cipher));
  }
  // The HTTP status is not compared: a different status is the failure itself (its class says it), not its cause.
  return out;
}

/**
 * Changes ranked for a page: those with a known time at or before the onset first, nearest the onset first;
 * then those of unknown time (they happened between the last passing probe and the failing one), settings
 * before server facts before addresses before protocol and cipher before our client certificate; last, those
 * dated after the onset (they cannot have caused it).
 */
export function rankChanges(changes: readonly Change[], onset: string | null): Change[] {
  const onsetMs = onset ? Date.parse(onset) : Number.NaN;
  const tier = (c: Change): number => {
    const t = c.at ? Date.parse(c.at) : Number.NaN;
    if (Number.isNaN(t)) return 1;
    if (Number.isNaN(onsetMs) || t <= onsetMs) return 0;
    return 2;
  };
  return [...changes].sort((a, b) => {
    const ta = tier(a);
    const tb = tier(b);
    if (ta !== tb) return ta - tb;
    if (ta === 0 || ta === 2) {
      const d = Date.parse(b.at as string) - Date.parse(a.at as string);
      if (d !== 0) return ta === 0 ? d : -d;
    }
    return CHANGE_KINDS.indexOf(a.kind) - CHANGE_KINDS.indexOf(b.kind);
  });
}

/** Whose side the changes point to: `theirs` when only the processor's facts changed, else `ours` or null. */
export function sideOf(changes: readonly Change[]): Side | null {
  if (changes.some((c) => c.side === 'ours')) return 'ours';
  if (changes.some((c) => c.kind === 'server-leaf' || c.kind === 'server-issuer' || c.kind === 'address'))
    return 'theirs';
  return null;
}

/** The version in an input fingerprint (`sha256:…@8`, `version:8`), or null. */
export function versionOf(fingerprint: string | null): string | null {
  if (!fingerprint) return null;
  if (fingerprint.startsWith('version:')) return fingerprint.slice('version:'.length);
  const at = fingerprint.lastIndexOf('@');
  return at > 0 && /^(sha256|hmac):/.test(fingerprint) ? fingerprint.slice(at + 1) : null;
}

/** A change in a few words: `version 1 -> 2` for a versioned setting, `A -> B` otherwise. */
export function describeChange(c: Change): string {
  const vb = versionOf(c.before);
  const va = versionOf(c.after);
  const what =
    vb !== null && va !== null && vb !== va
      ? `version ${vb} -> ${va}`
      : c.before === null
        ? `now ${c.after ?? '-'}`
        : `${c.before} -> ${c.after ?? '-'}`;
  return c.at ? `${what}, changed ${c.at}` : what;
}

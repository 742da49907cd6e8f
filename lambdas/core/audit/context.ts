/**
 * What every audit rule shares: the findings so far, the clock, the field a setting comes from (processor,
 * defaults or preset), and bounded reads of referenced values. A reference that cannot be read here is
 * reported once as not-checked (AWS) or secret-unreadable (file, env), never as an audit failure; no
 * finding ever quotes what a reference holds (docs/audit.md).
 */
import type { LoadedConfig, ProcessorConfig } from '../config/load';
import type { Checked } from '../config/referenced-values';
import type { SecretRef } from '../config/schema';
import { describeRef, isSecretRef } from '../secrets/resolver';
import { CA_CHANGES, type CaChange } from './ca-changes';
import {
  type AuditOptions,
  type Finding,
  type PresentedCert,
  RULES,
  type RuleId,
  type Severity,
} from './catalog';

export type Read = { ok: true; value: string } | { ok: false };

export class AuditContext {
  readonly findings: Finding[] = [];
  readonly now: Date;
  /** The config is deployed: { env } and credentials from { file } are errors (AuditOptions.deployed). */
  readonly deployed: boolean;
  /** Resolved endpoint URL per processor index (after reading an endpoint reference). */
  readonly endpoints = new Map<number, string>();
  /** The chain the probe saw (live audit), leaf first. */
  readonly serverChain: readonly PresentedCert[] | undefined;
  /** Announced certificate-authority changes. */
  readonly caChanges: readonly CaChange[];
  private readonly timeoutMs: number;

  constructor(
    readonly config: LoadedConfig,
    private readonly options: AuditOptions,
  ) {
    this.now = (options.now ?? (() => new Date()))();
    this.deployed = options.deployed ?? true;
    this.timeoutMs = options.secretTimeoutMs ?? 5000;
    this.serverChain = options.serverChain;
    this.caChanges = options.caChanges ?? CA_CHANGES;
  }

  add(
    rule: RuleId,
    processor: string | null,
    field: string,
    message: string,
    extra: { fix?: string; severity?: Severity } = {},
  ): void {
    const info = RULES[rule];
    this.findings.push({
      rule,
      severity: extra.severity ?? info.severity,
      processor,
      field,
      message,
      why: info.why,
      fix: extra.fix ?? info.fix,
    });
  }

  /**
   * Where a processor's setting comes from, for the finding's field: the processor's own field, else the
   * defaults' field, else the preset (for fields a preset fills), else the processor's field as if unset.
   */
  origin(i: number, dotted: string, presetFills = false): string {
    const raw = this.config.raw;
    if (getPath(raw.processors[i], dotted) !== undefined) return `processors[${i}].${dotted}`;
    if (getPath(raw.defaults, dotted) !== undefined) return `defaults.${dotted}`;
    if (presetFills && raw.processors[i]?.preset !== undefined) return `processors[${i}].preset`;
    return `processors[${i}].${dotted}`;
  }

  /** The host of processor `i`'s endpoint as read, lower case. */
  hostOf(i: number): string | undefined {
    const e = this.endpoints.get(i);
    return e !== undefined ? parseUrl(e)?.hostname.toLowerCase() : undefined;
  }

  /**
   * A setting that may come from a reference: the plain value, or the referenced one read and checked with
   * the engine's own check. Undefined when unset, unreadable (reported by read()) or invalid (reported as
   * referenced-value-invalid).
   */
  async setting<T>(
    p: ProcessorConfig,
    i: number,
    dotted: string,
    v: T | SecretRef | undefined,
    check: (s: string) => Checked<T>,
  ): Promise<{ value: T; source: string } | undefined> {
    if (v === undefined) return undefined;
    if (!isSecretRef(v)) return { value: v as T, source: '' };
    const field = this.origin(i, dotted);
    const read = await this.read(p, v, field, `the ${dotted} rules`);
    if (!read.ok) return undefined;
    const c = check(read.value);
    if (!c.ok) {
      this.add('referenced-value-invalid', p.name, field, `${dotted}: ${describeRef(v)} ${c.problem}`);
      return undefined;
    }
    return { value: c.value, source: ` (from ${describeRef(v)})` };
  }

  /** Reads a reference for a rule; reports not-checked (AWS) or secret-unreadable (file/env) when it cannot. */
  async read(p: ProcessorConfig, ref: SecretRef, field: string, purpose: string): Promise<Read> {
    const resolver = this.options.secrets;
    if (!resolver) {
      this.add(
        'not-checked',
        p.name,
        field,
        `not checked: no secret reader to read ${describeRef(ref)} for ${purpose}`,
      );
      return { ok: false };
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const value = await Promise.race([
        resolver.resolve(ref, p.baseDir),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
        }),
      ]);
      return { ok: true, value: value.value };
    } catch (err) {
      // SecretError messages name the reference and the reason, never a value.
      const reason = err instanceof Error ? err.message.replace(/^cannot read [^:]*: /, '') : String(err);
      if ('file' in ref || 'env' in ref) {
        this.add('secret-unreadable', p.name, field, `cannot read ${describeRef(ref)}: ${reason}`);
      } else {
        this.add(
          'not-checked',
          p.name,
          field,
          `not checked: cannot read ${describeRef(ref)} (${reason}), needed for ${purpose}`,
        );
      }
      return { ok: false };
    } finally {
      clearTimeout(timer);
    }
  }
}

export function parseUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

/** The host is `domain` or one of its subdomains. */
export function hostIn(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

function getPath(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const key of dotted.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/**
 * Input-change detection (issue "Probing with the integration's own live settings"): the engine reports a
 * non-secret fingerprint of every resolved input (endpoint, CA bundle, certificates, secret versions) in
 * `result.inputs`; the Lambda keeps the last fingerprint it saw per field in module scope and reports the
 * fields whose fingerprint differs, so a bad settings change shows up next to the failure it causes.
 *
 * Rules: a field counts as changed only when it was seen before with another fingerprint. A field missing
 * from a run (e.g. its secret could not be read, so the run failed at stage config) is not a change and
 * keeps its last known fingerprint; when it comes back different, that is a change. A cold start has no
 * previous state: its first run never reports a change.
 */

export interface InputObservation {
  /** Field paths whose fingerprint differs from the last one seen, sorted. */
  readonly changed: readonly string[];
  /** True when there was no previous state for any field (first run after a cold start). */
  readonly first: boolean;
}

export class InputTracker {
  private readonly last = new Map<string, string>();

  observe(inputs: Readonly<Record<string, string>>): InputObservation {
    const first = this.last.size === 0;
    const changed: string[] = [];
    for (const [field, fingerprint] of Object.entries(inputs)) {
      const before = this.last.get(field);
      if (before !== undefined && before !== fingerprint) changed.push(field);
      this.last.set(field, fingerprint);
    }
    return { changed: changed.sort(), first };
  }
}

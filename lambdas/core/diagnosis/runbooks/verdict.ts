/**
 * The runbook of the cross-processor verdict (docs/diagnosis.md "One incident, one verdict"): how it is
 * reached, what to do with each scope, and where it can be wrong. Incident pages print `reached` and the
 * advice for their scope; docs/runbooks/README.md renders all of it (render.ts renderRunbookIndex).
 */

export interface VerdictGuide {
  /** How the verdict is reached, one paragraph per rule. */
  readonly reached: readonly string[];
  /** What to do when the page says the cause is on our side. */
  readonly ours: readonly string[];
  /** What to do when it says the processor's side. */
  readonly theirs: readonly string[];
  /** What to do when they fail alike but nothing they share points to a cause. */
  readonly unknown: readonly string[];
  /** Where it can be wrong. */
  readonly limits: readonly string[];
}

export const VERDICT_GUIDE: VerdictGuide = {
  reached: [
    'Each probe function records its last passing probe (input fingerprints and versions, the address, protocol and cipher, the server chain, our client certificate, the HTTP status) and when it started failing, in the history table.',
    "When an alarm fires, the diagnose function re-probes its processor and reads every processor's record: processors failing with the same class whose failures started within the verdict window (config `verdict.windowMinutes`, 10 by default) fail alike; another class is another cause. With `verdict.minProcessors` (2 by default) or more, that is one incident: one page, naming how many fail, since when, with which class, and the settings they all read.",
    'The page says our side only when a setting every failing processor reads (the same SSM parameter, secret or file, the proxy, the VPC) changed near the onset, marked, or no passing processor reads it. A shared setting that passing processors also read and that did not change is named only as weak context, never as the cause.',
    "A single failing processor whose server facts changed since its last passing probe (a new leaf certificate or issuer, new addresses) while nothing of ours did is on the processor's side.",
  ],
  ours: [
    'Start with the marked setting: look at its history (`aws ssm get-parameter-history --name NAME`, `aws secretsmanager list-secret-version-ids --secret-id ID`) and roll the change back or fix it; every processor that reads it fails.',
    'With no marked setting, compare the shared settings listed with what was deployed around the onset (a release, a config push, a rotation).',
    'With no shared setting, look at what the processors share outside the config: the egress path (NAT, firewall, proxy), the VPC DNS resolver, a TLS-inspecting middlebox.',
  ],
  theirs: [
    'The processor changed something its side: tell them what the page shows (the new issuer or leaf, the new addresses), and check their status page and change notices.',
    'If the new chain is legitimate but from a CA we do not trust, add that CA to the CA bundle the integration and the probe read.',
  ],
  unknown: [
    'They fail alike, but nothing of ours changed near the onset and what they share works for processors that pass: look at what the failing processors have in common outside the config (a hosting provider, a CA that re-issued their certificates, a region), check their status pages, and compare the detail of each failure.',
  ],
  limits: [
    'Only what the config names is a factor: a cause the processors share outside it (the region\'s network, a resolver, a proxy not in the config) shows as "no shared setting".',
    "Onsets come from the probes' own records: a probe that cannot record (history table down) or a processor whose failure started long ago counts with the onset its alarm gives, and may fall outside the window.",
    "A change is dated by the source's own time (SSM LastModifiedDate, Secrets Manager version CreatedDate); a file, a server chain or an address changes somewhere between the last passing probe and the failing one.",
    'DNS answers of many processors rotate through a pool: a new address alone is weak evidence of a change on their side.',
    'With the history table slow or down, pages go out on time without history or incident: each processor pages alone, saying so.',
  ],
};

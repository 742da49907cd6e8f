/**
 * A preset's config pointed at its loopback stand-in (testbed/processors/preset-sims.ts), loaded through the
 * real config loader exactly as a user's file would be: `preset: NAME`, the endpoint overridden to the
 * stand-in, the testbed CA, and the preset's credential type with the stand-in's (or wrong) secret from an
 * `{ env }` reference.
 */
import { type ProcessorConfig, parseConfig } from '../../lambdas/core/config/load';
import { PRESETS } from '../../lambdas/core/config/presets';
import { SecretSources } from '../../lambdas/core/secrets/sources';
import {
  PRESET_SIM_CREDENTIALS,
  type PresetSimName,
  type PresetStandIn,
  type Testbed,
} from '../../testbed/servers';

export interface PresetConfigOptions {
  /** The secret to configure. @default the stand-in's accepted one */
  readonly secret?: string;
  /** Replaces the preset's credentials (YAML flow mapping); `{ env: SIM_SECRET }` holds the secret. */
  readonly credentials?: string;
  /** More `auth` fields (YAML flow mapping entries), e.g. `merchantAccount: Other`. */
  readonly auth?: string;
  /** More processor fields (YAML lines, indented 4). */
  readonly extra?: string;
  /** @default the preset's name */
  readonly name?: string;
}

/** The YAML of one processor using `preset` against `sim`. */
export function presetYaml(preset: PresetSimName, sim: { url: string }, o: PresetConfigOptions = {}): string {
  const p = PRESETS[preset];
  if (!p) throw new Error(`no preset ${preset}`);
  const known = PRESET_SIM_CREDENTIALS[preset];
  const secret = '{ env: SIM_SECRET }';
  const credentials =
    o.credentials ??
    {
      bearer: `{ type: bearer, token: ${secret} }`,
      basic: `{ type: basic, username: ${known.id}, password: ${secret} }`,
      header: `{ type: header, name: X-API-Key, value: ${secret} }`,
      'oauth2-client-credentials': `{ type: oauth2-client-credentials, clientId: ${known.id}, clientSecret: ${secret} }`,
    }[p.credentialType];
  const auth = [
    `credentials: ${credentials}`,
    // The preset's merchant account, unless the case sets its own, or its own request (which must carry it).
    ...(known.merchantAccount !== undefined && !/merchantAccount|request:/.test(o.auth ?? '')
      ? [`merchantAccount: ${known.merchantAccount}`]
      : []),
    ...(o.auth ? [o.auth] : []),
  ].join(', ');
  return `
processors:
  - name: ${o.name ?? preset}
    preset: ${preset}
    endpoint: ${sim.url}
    timeoutMs: 2000
    tls: { ca: { env: SIM_CA } }
    auth: { ${auth} }
${o.extra ?? ''}`;
}

/** The processor config of `presetYaml`, and secret sources holding its secret and the testbed CA. */
export function presetProcessor(
  bed: Testbed,
  preset: PresetSimName,
  sim: PresetStandIn | { url: string },
  o: PresetConfigOptions = {},
): { processor: ProcessorConfig; secrets: SecretSources } {
  const processor = parseConfig(presetYaml(preset, sim, o), '/etc/payprobe/presets.yaml').processors[0];
  if (!processor) throw new Error('no processor');
  const secret = o.secret ?? PRESET_SIM_CREDENTIALS[preset].secret;
  return { processor, secrets: new SecretSources({ env: { SIM_SECRET: secret, SIM_CA: bed.pki.caPem } }) };
}

/**
 * The runbook model: what a runbook says about a class (meaning, causes, first check, commands, fix), the
 * placeholders its commands carry and how the docs show them, and the command prefixes the data shares.
 * Commands never print a secret value: credentials come from a file or an environment variable.
 */
import type { FailureClass, Stage, WarningClass } from '../../contract/classes';

export type RunbookClass = FailureClass | WarningClass;

export interface RunbookCommand {
  /** What the command shows and what to look for in its output. */
  readonly purpose: string;
  /** A shell command, with placeholders ({host}, {servername}, ...). */
  readonly command: string;
}

export interface Runbook {
  readonly class: RunbookClass;
  /** A failure fails the probe; a warning is raised on a probe that otherwise passed. */
  readonly kind: 'failure' | 'warning';
  readonly stage: Stage;
  /** One line: the headline of a page and of `payprobe explain`. */
  readonly summary: string;
  /** What the class means, precisely: what the probe saw. */
  readonly meaning: string;
  /** The usual causes in a payment-gateway integration, most likely first. */
  readonly causes: readonly string[];
  /** The single first thing to check, with the command or field to look at. */
  readonly firstCheck: string;
  /** Commands that confirm the diagnosis. */
  readonly confirm: readonly RunbookCommand[];
  /** How to fix it, in order. */
  readonly fix: readonly string[];
}

/** Values for the command placeholders. Anything unset renders as the documentation placeholder. */
export interface CommandContext {
  readonly host?: string;
  readonly port?: number;
  readonly servername?: string;
  readonly processor?: string;
  readonly config?: string;
  readonly path?: string;
  readonly secretId?: string;
  /** The forward proxy's URL (http://proxy.internal:3128) and host, when the processor goes through one. */
  readonly proxy?: string;
  readonly proxyHost?: string;
}

/** How the placeholders read in the docs and in `payprobe explain`. */
export const PLACEHOLDERS: Readonly<Record<keyof CommandContext, string>> = {
  host: 'HOST',
  port: '443',
  servername: 'NAME',
  processor: 'PROCESSOR',
  config: 'payprobe.yaml',
  path: '/AUTH/PATH',
  secretId: 'SECRET_ID',
  proxy: 'http://PROXY:3128',
  proxyHost: 'PROXY',
};

/** What the placeholders and the file names in the commands stand for (docs and explain print this). */
export const PLACEHOLDER_LEGEND: readonly string[] = [
  'HOST, 443: the host and port of the processor endpoint (tls.servername defaults to the host).',
  'NAME: the server name payprobe sends as SNI and checks the certificate against (tls.servername).',
  'PROCESSOR, payprobe.yaml: the processor name and the config file.',
  "/AUTH/PATH: the path of the authenticated request (auth.request.path, or the preset's).",
  'SECRET_ID: the Secrets Manager id or SSM name from the config (the reference, never the value).',
  'client.pem, client.key, ca.pem: the client certificate, its key and the CA bundle the config references.',
];

/** The legend line of the proxy placeholders: only runbooks whose commands use them print it. */
export const PROXY_LEGEND =
  'http://PROXY:3128, PROXY: the forward proxy the processor is reached through (proxy.url, or HTTPS_PROXY) and its host.';

/** The placeholder legend for one runbook. */
export function legendFor(rb: Runbook): readonly string[] {
  const proxy = rb.confirm.some((c) => /\{proxy(Host)?\}/.test(c.command));
  return proxy
    ? [...PLACEHOLDER_LEGEND.slice(0, -1), PROXY_LEGEND, ...PLACEHOLDER_LEGEND.slice(-1)]
    : PLACEHOLDER_LEGEND;
}

/** The openssl client with the probe's host, port and server name. */
export const SC = 'openssl s_client -connect {host}:{port} -servername {servername}';
/** The probe itself, for one processor of the config. */
export const CHECK = 'npx payprobe check --config {config} --processor {processor}';

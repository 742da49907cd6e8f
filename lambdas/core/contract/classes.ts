/**
 * Failure classes: the stable vocabulary shared by metrics, alarms, the CLI, runbooks and dashboards.
 * Contract: docs/contracts.md "Failure classes". Never rename a class; add only.
 */

/** In the order a probe goes through them; `proxy` (the gateway's forward proxy) comes before the processor's own. */
export const STAGES = ['config', 'proxy', 'dns', 'connect', 'tls', 'auth', 'http'] as const;
export type Stage = (typeof STAGES)[number];

/** Every failure class and the stage it belongs to. */
export const FAILURE_CLASSES = {
  PROXY_CONNECT_FAILED: 'proxy',
  PROXY_AUTH_REQUIRED: 'proxy',
  PROXY_REFUSED: 'proxy',
  PROXY_TIMEOUT: 'proxy',
  DNS_FAILURE: 'dns',
  CONNECT_REFUSED: 'connect',
  CONNECT_TIMEOUT: 'connect',
  TLS_HANDSHAKE_TIMEOUT: 'tls',
  TLS_CONNECTION_RESET: 'tls',
  TLS_PROTOCOL_ERROR: 'tls',
  TLS_VERSION_MISMATCH: 'tls',
  TLS_HANDSHAKE_REJECTED: 'tls',
  CERT_EXPIRED: 'tls',
  CERT_NOT_YET_VALID: 'tls',
  CERT_HOSTNAME_MISMATCH: 'tls',
  CERT_UNTRUSTED: 'tls',
  CERT_REVOKED: 'tls',
  CERT_PIN_MISMATCH: 'tls',
  CLIENT_CERT_REJECTED: 'tls',
  CLIENT_CERT_EXPIRED: 'tls',
  AUTH_REJECTED: 'auth',
  HTTP_ERROR: 'http',
  RESPONSE_TIMEOUT: 'http',
  CONFIG_ERROR: 'config',
} as const satisfies Record<string, Stage>;

export type FailureClass = keyof typeof FAILURE_CLASSES;
export const FAILURE_CLASS_NAMES = Object.keys(FAILURE_CLASSES) as FailureClass[];

/** Warnings on a probe that otherwise passed. */
export const WARNING_CLASSES = [
  'CERT_EXPIRING_SOON',
  'CLIENT_CERT_EXPIRING_SOON',
  'SLOW_RESPONSE',
  'REVOCATION_UNKNOWN',
] as const;
export type WarningClass = (typeof WARNING_CLASSES)[number];

/**
 * The stages the HandshakeFailure metric counts (and so the HandshakeFailing alarm pages for): the TLS
 * handshake, and the proxy tunnel before it. A proxy that gives no tunnel leaves the integration as dead as
 * a failed handshake does, so it pages the same way (docs/lambda.md "Metrics").
 */
export const HANDSHAKE_STAGES: readonly Stage[] = ['proxy', 'tls'];

/** Whether a run that failed at `stage` counts as a HandshakeFailure. */
export function isHandshakeStage(stage: Stage | null): boolean {
  return stage !== null && HANDSHAKE_STAGES.includes(stage);
}

export function stageOf(cls: FailureClass): Stage {
  return FAILURE_CLASSES[cls];
}

export function isFailureClass(value: string): value is FailureClass {
  return Object.hasOwn(FAILURE_CLASSES, value);
}

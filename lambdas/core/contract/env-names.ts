/**
 * The environment contract between the CDK stack (lib/) and the Lambda handlers (lambdas/): every variable
 * the stack sets and a handler reads, named once. lib/ imports these names to set the variables, the handlers
 * to read them, so the two can never drift apart. docs/lambda.md "Environment contract" describes each.
 */

/** Probe function: JSON of one deployed processor config (defaults and preset merged, baseDir in the bundle). */
export const ENV_PROCESSOR = 'PAYPROBE_PROCESSOR';

/** Probe function (live audit): the SNS topic that receives the live audit's pages (the warning topic). */
export const ENV_AUDIT_TOPIC_ARN = 'PAYPROBE_AUDIT_TOPIC_ARN';

/** Probe function (live audit): the SSM parameter that remembers which findings were paged. */
export const ENV_AUDIT_STATE_PARAMETER = 'PAYPROBE_AUDIT_STATE_PARAMETER';

/** The input of the live audit's schedule: the probe function audits instead of probing (lambdas/probe/audit.ts). */
export const AUDIT_EVENT = { payprobe: 'audit' } as const;

/** Whether a probe function's event is the live audit's. */
export function isAuditEvent(event: unknown): boolean {
  return (
    typeof event === 'object' && event !== null && (event as { payprobe?: unknown }).payprobe === 'audit'
  );
}

/** Probe and diagnose functions: seconds Secrets Manager and SSM values stay cached (0 to MAX_SECRET_TTL_SECONDS). */
export const ENV_SECRET_TTL_SECONDS = 'PAYPROBE_SECRET_TTL_SECONDS';

/**
 * Probe and diagnose functions (optional): the DynamoDB table of last-good snapshots and incidents
 * (lib/constructs/history.ts). Unset: no history (pages say so) and no cross-processor incident.
 */
export const ENV_HISTORY_TABLE = 'PAYPROBE_HISTORY_TABLE';

/**
 * Probe and diagnose functions (optional): the gateway's name, the Gateway dimension of the FailingProcessors
 * metric and the name of the gateway alarm. Unset: the probe publishes no FailingProcessors datum.
 */
export const ENV_GATEWAY = 'PAYPROBE_GATEWAY';

/**
 * Diagnose function (optional): the cross-processor verdict's settings as JSON, `{ "minProcessors": 2,
 * "windowMinutes": 10 }` (config `verdict`). @default the defaults of lambdas/core/diagnosis/verdict.ts
 */
export const ENV_VERDICT = 'PAYPROBE_VERDICT';

/** Diagnose function: JSON object, processor name -> deployed processor config. */
export const ENV_PROCESSORS = 'PAYPROBE_PROCESSORS';

/** Diagnose function, instead of ENV_PROCESSORS when that would not fit 4 KB: a bundled JSON file of the same shape. */
export const ENV_PROCESSORS_FILE = 'PAYPROBE_PROCESSORS_FILE';

/** Diagnose function: the SNS topic of critical pages. */
export const ENV_TOPIC_CRITICAL_ARN = 'PAYPROBE_TOPIC_CRITICAL_ARN';

/** Diagnose function: the SNS topic of warning pages. */
export const ENV_TOPIC_WARNING_ARN = 'PAYPROBE_TOPIC_WARNING_ARN';

/** Diagnose function (optional): where docs/runbooks lives for the reader of a page. */
export const ENV_RUNBOOK_BASE_URL = 'PAYPROBE_RUNBOOK_BASE_URL';

/** Diagnose function (optional): JSON list of the maintenance windows of its processors (lambdas/core/config/maintenance.ts). */
export const ENV_MAINTENANCE = 'PAYPROBE_MAINTENANCE';

/** Diagnose function, instead of ENV_MAINTENANCE when that would not fit: a bundled JSON file of the same shape. */
export const ENV_MAINTENANCE_FILE = 'PAYPROBE_MAINTENANCE_FILE';

/** The variables of the diagnose function, by role (lib/ sets them from this map). */
export const DIAGNOSE_ENV = {
  processors: ENV_PROCESSORS,
  processorsFile: ENV_PROCESSORS_FILE,
  topicCritical: ENV_TOPIC_CRITICAL_ARN,
  topicWarning: ENV_TOPIC_WARNING_ARN,
  runbookBaseUrl: ENV_RUNBOOK_BASE_URL,
  secretTtlSeconds: ENV_SECRET_TTL_SECONDS,
  maintenance: ENV_MAINTENANCE,
  maintenanceFile: ENV_MAINTENANCE_FILE,
  historyTable: ENV_HISTORY_TABLE,
  gateway: ENV_GATEWAY,
  verdict: ENV_VERDICT,
} as const;

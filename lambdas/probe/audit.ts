/**
 * The live audit in the probe function (docs/audit.md "Live audit"): the probe function already holds its
 * processor's config and may read exactly its references, so auditing the live settings needs no other
 * function, role or always-on resource. It runs
 * - on the audit schedule (daily by default): the schedule invokes the probe function with AUDIT_EVENT; the
 *   function probes once to see the server's chain (not published: the minute's probe publishes) and audits;
 * - right after a probe run that saw an input change (InputChanged), with that run's chain.
 *
 * Each run publishes AuditFindings (findings of warning severity or worse, dimension Processor), pages new and
 * resolved findings on the warning topic (one SNS Publish at most) and keeps the paged findings in its own
 * SSM parameter, so a finding that stays never pages twice, also across cold starts. It never throws: a live
 * audit that cannot finish is logged, and the next run tries again (a page that could not be sent is not
 * recorded as sent).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { presentedChain } from '../core/audit/live/chain';
import { type AuditTrigger, auditPageMessage, buildAuditPage } from '../core/audit/live/page';
import { auditLive, type LiveAuditOptions } from '../core/audit/live/run';
import { compare, decodeState, encodeState } from '../core/audit/live/state';
import type { ProcessorConfig } from '../core/config/model';
import { AUDIT_FINDINGS_METRIC, DIMENSION_PROCESSOR, METRIC_NAMESPACE } from '../core/contract/metric-names';
import type { ProbeResult } from '../core/contract/result';
import { errorName, errorText } from '../core/contract/result';
import type { SecretResolver } from '../core/secrets/resolver';

export interface LiveAuditDeps {
  readonly processor: ProcessorConfig;
  readonly secrets: SecretResolver;
  readonly cloudwatch: Pick<CloudWatchClient, 'send'>;
  readonly sns: Pick<SNSClient, 'send'>;
  readonly ssm: Pick<SSMClient, 'send'>;
  /** The warning topic. */
  readonly topicArn: string;
  /** The SSM parameter that holds this processor's paged findings. */
  readonly stateParameter: string;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Where the docs live, for the page's link. @default none: the page names docs/audit.md */
  readonly docsBaseUrl?: string;
  /** Test seam for the CA-change facts and the secret timeout. */
  readonly auditOptions?: Pick<LiveAuditOptions, 'caChanges' | 'secretTimeoutMs'>;
}

export interface LiveAuditOutcome {
  readonly trigger: AuditTrigger;
  /** Findings of warning severity or worse (the AuditFindings value). */
  readonly findings: number;
  readonly opened: readonly string[];
  readonly resolved: readonly string[];
  /** The SNS message id when a page went out. */
  readonly pageId: string | null;
  /** What went wrong, when something did (logged too). */
  readonly error: string | null;
}

/** One live audit run. Never throws. */
export async function runLiveAudit(
  deps: LiveAuditDeps,
  trigger: AuditTrigger,
  result?: ProbeResult,
): Promise<LiveAuditOutcome> {
  const { processor, logger } = deps;
  const now = (deps.now ?? (() => new Date()))();
  const fail = (step: string, err: unknown, partial: Partial<LiveAuditOutcome> = {}): LiveAuditOutcome => {
    const error = `${step}: ${errorName(err)}: ${errorText(err)}`;
    logger.error(`live audit: ${step} failed; the next run tries again`, {
      processor: processor.name,
      error: { name: errorName(err), message: errorText(err) },
    });
    return { trigger, findings: 0, opened: [], resolved: [], pageId: null, ...partial, error };
  };
  const serverChain = presentedChain(result);
  const report = await auditLive(processor, {
    secrets: deps.secrets,
    now: () => now,
    ...(serverChain ? { serverChain } : {}),
    ...deps.auditOptions,
  });
  const count = report.paged.length;
  try {
    await deps.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: METRIC_NAMESPACE,
        MetricData: [
          {
            MetricName: AUDIT_FINDINGS_METRIC,
            Dimensions: [{ Name: DIMENSION_PROCESSOR, Value: processor.name }],
            Timestamp: now,
            Value: count,
            Unit: 'Count',
          },
        ],
      }),
    );
  } catch (err) {
    return fail('PutMetricData AuditFindings', err, { findings: count });
  }
  let previous: ReturnType<typeof decodeState>;
  try {
    const got = await deps.ssm.send(new GetParameterCommand({ Name: deps.stateParameter }));
    previous = decodeState(got.Parameter?.Value);
  } catch (err) {
    // Without the state the audit cannot tell new from known: it pages nothing rather than twice.
    return fail('reading the audit state', err, { findings: count });
  }
  const cmp = compare(previous, report.paged, now);
  const base = {
    trigger,
    findings: count,
    opened: cmp.opened.map((f) => f.rule),
    resolved: cmp.resolved.map((f) => f.rule),
  };
  logger.info(`live audit: ${count} finding(s) of warning severity or worse`, {
    processor: processor.name,
    trigger,
    findings: report.findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      field: f.field,
      reference: f.reference,
      key: f.key,
    })),
    opened: base.opened,
    resolved: base.resolved,
  });
  const page = buildAuditPage(
    {
      processor: processor.name,
      at: report.at,
      trigger,
      opened: cmp.opened,
      still: cmp.still,
      resolved: cmp.resolved,
    },
    deps.docsBaseUrl,
  );
  let pageId: string | null = null;
  if (page) {
    try {
      const out = await deps.sns.send(
        new PublishCommand({
          TopicArn: deps.topicArn,
          Subject: page.subject,
          MessageStructure: 'json',
          Message: auditPageMessage(page),
          MessageAttributes: Object.fromEntries(
            Object.entries(page.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
          ),
        }),
      );
      pageId = out?.MessageId ?? '';
    } catch (err) {
      return fail('publishing the audit page', err, base);
    }
  }
  if (cmp.changed) {
    try {
      await deps.ssm.send(
        new PutParameterCommand({
          Name: deps.stateParameter,
          Value: encodeState(cmp.next),
          Type: 'String',
          Overwrite: true,
        }),
      );
    } catch (err) {
      return fail('writing the audit state', err, { ...base, pageId });
    }
  }
  return { ...base, pageId, error: null };
}

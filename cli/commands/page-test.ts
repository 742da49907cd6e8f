/**
 * `payprobe page-test [--config FILE|-] [--severity critical|warning] [--region R] [--stack-name NAME]`: publishes a
 * clearly marked test page through the deployed alert topic, found from the stack's outputs (CloudFormation
 * DescribeStacks, TOPIC_OUTPUTS; also when the PayProbe construct sits in an app's own stack: topicOutput), so on-call can confirm that the pager, e-mail and webhook subscribers receive
 * it. One region per stack: the config's `regions` (or --region), else the SDK's region. Exit 0 when every
 * publish succeeded; 1 naming the stack or topic when one could not be found or published to; 2 on bad usage
 * or an invalid config. AWS_ENDPOINT_URL and the usual credential chain apply (an emulator works too). The
 * command's options are defined in ./index.ts; this module is its implementation, loaded only when it runs.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Severity } from '../../lambdas/core/contract/alarm-names';
import { DEFAULT_STACK_NAME, stackNameFor, TOPIC_OUTPUTS } from '../../lambdas/core/contract/stack';
import { testPagePublish } from '../../lambdas/core/diagnosis/test-page';
import { readConfig } from '../config-input';
import { type CliIo, EXIT, UsageError } from '../io';

export interface PageTestOptions {
  readonly config?: string;
  readonly severity?: string;
  readonly region?: string;
  readonly stackName?: string;
}

/** The AWS clients of one region (tests pass mocked or emulator-bound ones). */
export interface PageTestClients {
  cloudFormation(region: string): CloudFormationClient;
  sns(region: string): SNSClient;
}

const SEVERITIES: readonly Severity[] = ['critical', 'warning'];

function awsClients(): PageTestClients {
  return {
    cloudFormation: (region) => new CloudFormationClient({ region }),
    sns: (region) => new SNSClient({ region }),
  };
}

/** Runs the command; returns the exit status. */
export async function pageTest(
  opts: PageTestOptions,
  io: CliIo,
  clients: PageTestClients = awsClients(),
): Promise<number> {
  const severity = (opts.severity ?? 'critical') as Severity;
  if (!SEVERITIES.includes(severity)) {
    throw new UsageError(`--severity ${opts.severity}: expected critical or warning`);
  }
  const config = await readConfig(opts.config, io);
  const configured = config.raw.regions;
  const fallback = io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  const regions = opts.region ? [opts.region] : (configured ?? (fallback ? [fallback] : []));
  if (regions.length === 0) {
    throw new UsageError('no region: pass --region, list regions in the config, or set AWS_REGION');
  }
  const base = opts.stackName ?? DEFAULT_STACK_NAME;
  let failed = false;
  for (const region of regions) {
    const stack = stackNameFor(base, configured ? region : undefined);
    const topicArn = await findTopic(clients.cloudFormation(region), stack, region, severity, io);
    if (!topicArn) {
      failed = true;
      continue;
    }
    try {
      const out = await clients
        .sns(region)
        .send(
          new PublishCommand(
            testPagePublish({ severity, stack, region, topicArn, sentAt: new Date().toISOString() }),
          ),
        );
      io.stdout.write(
        `sent a test page to ${topicArn} (${severity}, stack ${stack}): message ${out.MessageId ?? '?'}\n`,
      );
    } catch (err) {
      failed = true;
      io.stderr.write(
        `payprobe: could not publish the test page to ${topicArn} (${severity}, stack ${stack}): ${describe(err)}\n`,
      );
    }
  }
  return failed ? EXIT.failed : EXIT.ok;
}

/** The topic ARN from the stack's outputs, or undefined after saying why on stderr. */
async function findTopic(
  cfn: CloudFormationClient,
  stack: string,
  region: string,
  severity: Severity,
  io: CliIo,
): Promise<string | undefined> {
  try {
    const res = await cfn.send(new DescribeStacksCommand({ StackName: stack }));
    const found = topicOutput(res.Stacks?.[0]?.Outputs ?? [], severity);
    if (found.arn) return found.arn;
    io.stderr.write(
      found.ambiguous
        ? `payprobe: stack ${stack} in ${region} has ${found.ambiguous.length} payprobe ${severity} topic outputs (${found.ambiguous.join(', ')}): it holds several PayProbe constructs, and page-test cannot tell which one to page through\n`
        : `payprobe: stack ${stack} in ${region} has no output ${TOPIC_OUTPUTS[severity]}: is it a payprobe stack of this version?\n`,
    );
  } catch (err) {
    io.stderr.write(
      `payprobe: cannot read stack ${stack} in ${region} (${describe(err)}): deploy it first, or pass --region / --stack-name\n`,
    );
  }
  return undefined;
}

/**
 * The output with a topic's ARN. A PayProbeStack's is named exactly TOPIC_OUTPUTS[severity]; a PayProbe
 * construct in an app's own stack gets CDK's logical ID of its path instead, `<path><name><8-hex hash>`
 * (`PaymentsCriticalTopicArn1A2B3C4D`). An exact match wins; otherwise the one output of that shape, and
 * `ambiguous` lists them when the stack holds several PayProbe constructs.
 */
export function topicOutput(
  outputs: readonly { readonly OutputKey?: string; readonly OutputValue?: string }[],
  severity: Severity,
): { arn?: string; ambiguous?: string[] } {
  const name = TOPIC_OUTPUTS[severity];
  const exact = outputs.find((o) => o.OutputKey === name && o.OutputValue);
  if (exact?.OutputValue) return { arn: exact.OutputValue };
  const shaped = new RegExp(`^[A-Za-z0-9]+${name}[0-9A-F]{8}$`);
  const nested = outputs.filter((o) => o.OutputValue && shaped.test(o.OutputKey ?? ''));
  if (nested.length === 1) return { arn: nested[0]?.OutputValue as string };
  if (nested.length > 1) return { ambiguous: nested.map((o) => o.OutputKey as string) };
  return {};
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`;
}

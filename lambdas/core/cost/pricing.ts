/**
 * AWS list prices used by the cost model (./cost.ts): the ONE place price constants live.
 *
 * Region: US East (N. Virginia), us-east-1, on-demand list prices, first pricing tier, no free tier, no
 * Savings Plans, USD. Other regions differ by a few percent (CloudWatch Logs ingestion is up to ~50% dearer in
 * some Asian regions); `payprobe cost` says the figures are us-east-1 prices.
 *
 * Each price names its public source page and when it was checked. `verified` tells how far the number was
 * confirmed when it was last checked (the AWS pages themselves could not be fetched from the machine where
 * this file was written, so nothing is marked `aws-page`):
 * - 'aws-page':   read on the AWS pricing page named in `source`;
 * - 'secondary':  the same figure found in independent, recently dated third-party pricing write-ups
 *                 (named in `note`), consistent with each other — likely right, re-check before quoting;
 * - 'unverified': from memory of the AWS page; not confirmed anywhere — treat as an estimate.
 * To update: change `usd`, `checked` and `verified` together, and run `npx jest test/core/cost.test.ts`.
 */

export type Verification = 'aws-page' | 'secondary' | 'unverified';

export interface Price {
  /** Price in USD for one `unit`. */
  readonly usd: number;
  /** What one unit is, in plain words. */
  readonly unit: string;
  /** The AWS page the price comes from. */
  readonly source: string;
  /** ISO date the price was last checked. */
  readonly checked: string;
  readonly verified: Verification;
  readonly note?: string;
}

export const PRICING_REGION = 'us-east-1';
/** Hours in a billing month, as the AWS Pricing Calculator counts them. */
export const HOURS_PER_MONTH = 730;

const CHECKED = '2026-11-26';
const LAMBDA = 'https://aws.amazon.com/lambda/pricing/';
const CLOUDWATCH = 'https://aws.amazon.com/cloudwatch/pricing/';
const SNS = 'https://aws.amazon.com/sns/pricing/';
const DYNAMODB = 'https://aws.amazon.com/dynamodb/pricing/on-demand/';

export const PRICES = {
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'GB-second of Lambda duration, arm64 (first 7.5 billion GB-s a month)',
    source: LAMBDA,
    checked: CHECKED,
    verified: 'secondary',
    note: 'cloudchipr.com "AWS Lambda pricing" (2024) and other write-ups; x86 is $0.0000166667',
  },
  lambdaRequest: {
    usd: 0.2 / 1_000_000,
    unit: 'Lambda request ($0.20 per million)',
    source: LAMBDA,
    checked: CHECKED,
    verified: 'secondary',
    note: 'same price for arm64 and x86',
  },
  customMetricMonth: {
    usd: 0.3,
    unit: 'custom metric-month (first 10,000 metrics), prorated by the hour the metric receives data',
    source: CLOUDWATCH,
    checked: CHECKED,
    verified: 'secondary',
    note: 'vantage.sh, cloudcostkit.com (2026); standard and high-resolution metrics cost the same to store',
  },
  putMetricDataRequest: {
    usd: 0.01 / 1000,
    unit: 'PutMetricData request ($0.01 per 1,000)',
    source: CLOUDWATCH,
    checked: CHECKED,
    verified: 'unverified',
    note: '$0.01 per 1,000 confirmed for GetMetricData by third parties; PutMetricData is listed at the same rate on the AWS page from memory',
  },
  alarmStandardMonth: {
    usd: 0.1,
    unit: 'standard-resolution alarm metric-month (period >= 60 s)',
    source: CLOUDWATCH,
    checked: CHECKED,
    verified: 'secondary',
    note: 'c3x.dev, cloudcostkit.com (2026); charged per metric in the alarm',
  },
  alarmHighResolutionMonth: {
    usd: 0.3,
    unit: 'high-resolution alarm metric-month (period 10 or 30 s)',
    source: CLOUDWATCH,
    checked: CHECKED,
    verified: 'secondary',
    note: 'c3x.dev (2026)',
  },
  dashboardMonth: {
    usd: 3.0,
    unit: 'dashboard-month (beyond the 3 free dashboards of up to 50 metrics)',
    source: CLOUDWATCH,
    checked: CHECKED,
    verified: 'secondary',
    note: 'factualminds.com CloudWatch pricing (2026)',
  },
  logsIngestionGb: {
    usd: 0.5,
    unit: 'GB of CloudWatch Logs ingested (standard log class)',
    source: CLOUDWATCH,
    checked: CHECKED,
    verified: 'secondary',
    note: 'c3x.dev (June 2026), hykell.com',
  },
  logsStorageGbMonth: {
    usd: 0.03,
    unit: 'GB-month of CloudWatch Logs stored',
    source: CLOUDWATCH,
    checked: CHECKED,
    verified: 'secondary',
    note: 'c3x.dev (June 2026); AWS bills the compressed size, the model counts it uncompressed',
  },
  snsPublish: {
    usd: 0.5 / 1_000_000,
    unit: 'SNS publish to a standard topic ($0.50 per million requests)',
    source: SNS,
    checked: CHECKED,
    verified: 'secondary',
    note: 'factualminds.com SNS pricing (2026)',
  },
  snsEmailDelivery: {
    usd: 2.0 / 100_000,
    unit: 'SNS email notification ($2.00 per 100,000)',
    source: SNS,
    checked: CHECKED,
    verified: 'secondary',
    note: 'factualminds.com SNS pricing (2026)',
  },
  snsHttpsDelivery: {
    usd: 0.6 / 1_000_000,
    unit: 'SNS HTTP/S notification ($0.60 per million)',
    source: SNS,
    checked: CHECKED,
    verified: 'secondary',
    note: 'factualminds.com SNS pricing (2026)',
  },
  snsSmsUs: {
    usd: 0.00581,
    unit: 'SNS SMS message part to a US number, before carrier fees',
    source: 'https://aws.amazon.com/end-user-messaging/pricing/',
    checked: CHECKED,
    verified: 'unverified',
    note: 'varies by country, origination identity and carrier fee (~$0.003 more per US message); treat as an estimate',
  },
  secretsManagerApiCall: {
    usd: 0.05 / 10_000,
    unit: 'Secrets Manager API call ($0.05 per 10,000)',
    source: 'https://aws.amazon.com/secrets-manager/pricing/',
    checked: CHECKED,
    verified: 'secondary',
    note: 'hivebook.wiki (2026); secret storage is $0.40 per secret-month, not counted (the secrets exist for the integration anyway)',
  },
  kmsKeyMonth: {
    usd: 1.0,
    unit: 'customer-managed KMS key-month',
    source: 'https://aws.amazon.com/kms/pricing/',
    checked: CHECKED,
    verified: 'unverified',
    note: 'the encrypted SNS topics need a customer-managed key: CloudWatch alarms cannot publish to topics encrypted with the AWS-managed key',
  },
  dynamoDbWriteUnit: {
    usd: 0.625 / 1_000_000,
    unit: 'DynamoDB on-demand write request unit, 1 KB ($0.625 per million)',
    source: DYNAMODB,
    checked: CHECKED,
    verified: 'secondary',
    note: 'airbyte.com DynamoDB pricing (2025): after the 50% on-demand price cut of November 2024; infratally.com (2026) agrees on the halved read price',
  },
  dynamoDbReadUnit: {
    usd: 0.125 / 1_000_000,
    unit: 'DynamoDB on-demand read request unit, a strongly consistent read of 4 KB ($0.125 per million)',
    source: DYNAMODB,
    checked: CHECKED,
    verified: 'secondary',
    note: 'airbyte.com DynamoDB pricing (2025); an eventually consistent read costs half a unit',
  },
  dynamoDbStorageGbMonth: {
    usd: 0.25,
    unit: 'GB-month of DynamoDB table storage (standard table class, beyond the free 25 GB)',
    source: DYNAMODB,
    checked: CHECKED,
    verified: 'unverified',
    note: 'counted without the free 25 GB; the history table holds a few KB per processor',
  },
  schedulerInvocation: {
    usd: 1.0 / 1_000_000,
    unit: 'EventBridge Scheduler invocation ($1.00 per million after the first 14 million a month in an account)',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
    checked: CHECKED,
    verified: 'secondary',
    note: 'the probes are scheduled by EventBridge Scheduler, not by scheduled rules (legacy, free); 14 million free invocations a month cover about 320 processors at one invocation a minute, which the model does not apply',
  },
  logsInsightsGbScanned: {
    usd: 0.005,
    unit: 'GB of log data scanned by CloudWatch Logs Insights queries',
    source: CLOUDWATCH,
    checked: CHECKED,
    verified: 'secondary',
    note: "the dashboard's phase-timing widgets are Logs Insights queries: each view scans the probe logs of its time range",
  },
  syntheticsCanaryRun: {
    usd: 0.0012,
    unit: 'CloudWatch Synthetics canary run (for comparison only)',
    source: CLOUDWATCH,
    checked: CHECKED,
    verified: 'secondary',
    note: "blog.mattsbit.co.uk (2023), thomasstep.com; excludes the canary's own Lambda, S3 and metric charges",
  },
} as const satisfies Record<string, Price>;

export type PriceKey = keyof typeof PRICES;

/** One priced line of the bill: a quantity of one price's unit. */
export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly price: PriceKey;
  readonly usd: number;
}

/** `quantity` units of `price`, priced (lines with zero quantity are kept: the table shows them). */
export function costLine(item: string, quantity: number, price: PriceKey): CostLine {
  return { item, quantity, unit: PRICES[price].unit, price, usd: quantity * PRICES[price].usd };
}

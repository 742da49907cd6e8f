/**
 * The four DynamoDB calls the history table needs (PutItem, UpdateItem, BatchGetItem; ConditionExpression for
 * the incident record), sent over DynamoDB's JSON protocol with the AWS SDK's own pieces: the SigV4 signer
 * (@smithy/signature-v4), the default credential provider (@aws-sdk/credential-provider-node: in the Lambda
 * bundles, the environment's credentials, as for every client: ./lambda-credentials.ts) and Node's fetch.
 *
 * Why not @aws-sdk/client-dynamodb: it adds about 42 KB to a bundle (its error classes, schemas, endpoint
 * rules and endpoint discovery), which puts the diagnose function at about 620 KB, over the 600 KB budget
 * (docs/performance.md); the signer and credential chain are already in every bundle through the other
 * clients, so this costs about 3 KB. What the SDK would add that this leaves out: retries (a history call is
 * best effort and bounded: the caller goes on without it), endpoint discovery and FIPS/dual-stack endpoints.
 *
 * Endpoint: AWS_ENDPOINT_URL_DYNAMODB, else AWS_ENDPOINT_URL (an emulator such as moto_server), else the
 * region's public endpoint. Region: AWS_REGION (Lambda sets it), else AWS_DEFAULT_REGION.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

/** A DynamoDB attribute value, as the JSON protocol writes it (the kinds the history table uses). */
export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly BOOL: boolean }
  | { readonly NULL: true };

export type Item = Readonly<Record<string, AttributeValue>>;

/** An error DynamoDB answered with: `name` is its type (`ConditionalCheckFailedException`, ...). */
export class DynamoDbError extends Error {
  constructor(
    name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = name;
  }
}

export interface DynamoDbOptions {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default the SDK's default credential chain */
  readonly credentials?: ConstructorParameters<typeof SignatureV4>[0]['credentials'];
  /** Per-call time limit. @default 2000 */
  readonly timeoutMs?: number;
}

/** The region's endpoint, or the one the environment names (an emulator). */
export function dynamoDbEndpoint(env: NodeJS.ProcessEnv, region: string): string {
  const given = env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL;
  if (given) return given;
  return `https://dynamodb.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** A minimal DynamoDB client: `call('PutItem', input)` resolves with the output or rejects with DynamoDbError. */
export class DynamoDb {
  private readonly url: URL;
  private readonly signer: SignatureV4;
  private readonly timeoutMs: number;

  constructor(options: DynamoDbOptions = {}) {
    const env = options.env ?? process.env;
    const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
    if (!region) throw new Error('no AWS region: set AWS_REGION');
    this.url = new URL(dynamoDbEndpoint(env, region));
    this.signer = new SignatureV4({
      service: 'dynamodb',
      region,
      credentials: options.credentials ?? defaultProvider(),
      sha256: Sha256,
    });
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  async call<T = Record<string, unknown>>(operation: string, input: unknown): Promise<T> {
    const body = JSON.stringify(input);
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      ...(this.url.port ? { port: Number(this.url.port) } : {}),
      path: this.url.pathname || '/',
      query: {},
      headers: {
        host: this.url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
      },
      body,
    });
    const res = await fetch(this.url, {
      method: 'POST',
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) {
      const type = String(parsed.__type ?? `HTTP ${res.status}`);
      const message = String(parsed.message ?? parsed.Message ?? text.slice(0, 200));
      throw new DynamoDbError(type.slice(type.lastIndexOf('#') + 1), message, res.status);
    }
    return parsed as T;
  }
}

/** The string of an attribute, if it is one. */
export function str(v: AttributeValue | undefined): string | undefined {
  return v && 'S' in v ? v.S : undefined;
}

/** The number of an attribute, if it is one. */
export function num(v: AttributeValue | undefined): number | undefined {
  return v && 'N' in v ? Number(v.N) : undefined;
}

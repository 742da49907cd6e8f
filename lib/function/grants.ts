/**
 * The IAM statements behind PayProbeFunction's grant methods, as plain functions from what is granted to
 * the statements: least privilege spelled out (exact secret and parameter ARNs, KMS only through the
 * service and for those secrets, PutMetricData in one namespace), so a test can read them statement by
 * statement.
 */
import { ArnFormat, type Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';

/** The secret references a function reads at run time (a DeployedProcessor has both lists). */
export interface SecretReferences {
  /** Secrets Manager ids: names or ARNs. */
  readonly secretIds: readonly string[];
  /** SSM parameter names or ARNs. */
  readonly parameterNames: readonly string[];
}

/**
 * secretsmanager:GetSecretValue and ssm:GetParameter on exactly these secrets and parameters, and
 * kms:Decrypt (customer managed keys) only through those services, for them. A secret name matches its
 * ARN with Secrets Manager's random suffix (`-??????`); a full ARN is granted as given and with a suffix.
 * Statement ids: `Read<sid>Secrets`, `Decrypt<sid>Secrets`, `Read<sid>Parameters`, `Decrypt<sid>Parameters`.
 */
export function readSecretsStatements(stack: Stack, refs: SecretReferences, sid: string): PolicyStatement[] {
  const secretArns = refs.secretIds.flatMap((id) =>
    id.startsWith('arn:')
      ? [id, `${id}-??????`]
      : [
          stack.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${id}-??????`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
  );
  const parameterArns = refs.parameterNames.map((name) =>
    name.startsWith('arn:')
      ? name
      : stack.formatArn({
          service: 'ssm',
          resource: 'parameter',
          resourceName: name.replace(/^\//, ''),
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
  );
  const read = (kind: 'Secrets' | 'Parameters', action: string, arns: readonly string[]) =>
    new PolicyStatement({ sid: `Read${sid}${kind}`, actions: [action], resources: [...arns] });
  const decrypt = (kind: 'Secrets' | 'Parameters', service: string, contextKey: string, arns: string[]) =>
    new PolicyStatement({
      sid: `Decrypt${sid}${kind}`,
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'kms:ViaService': `${service}.${stack.region}.amazonaws.com` },
        StringLike: { [contextKey]: arns },
      },
    });
  return [
    ...(secretArns.length > 0
      ? [
          read('Secrets', 'secretsmanager:GetSecretValue', secretArns),
          decrypt('Secrets', 'secretsmanager', 'kms:EncryptionContext:SecretARN', secretArns),
        ]
      : []),
    ...(parameterArns.length > 0
      ? [
          read('Parameters', 'ssm:GetParameter', parameterArns),
          decrypt('Parameters', 'ssm', 'kms:EncryptionContext:PARAMETER_ARN', parameterArns),
        ]
      : []),
  ];
}

/** cloudwatch:PutMetricData, which has no resource-level permissions, limited to one namespace. */
export function putMetricDataStatement(namespace: string, sid: string): PolicyStatement {
  return new PolicyStatement({
    sid,
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': namespace } },
  });
}

/**
 * sns:Publish on the topics, and on their KMS keys exactly the two actions SNS needs from a publisher
 * (kms:GenerateDataKey, kms:Decrypt): spelled out rather than Topic.grantPublish's kms:GenerateDataKey*.
 * `extraKey` is for imported topics, whose key the construct cannot see.
 */
export function publishStatements(topics: readonly ITopic[], extraKey?: IKey): PolicyStatement[] {
  const keys: IKey[] = [];
  for (const k of [...topics.map((t) => t.masterKey), extraKey]) if (k && !keys.includes(k)) keys.push(k);
  return [
    new PolicyStatement({
      sid: 'PublishPages',
      actions: ['sns:Publish'],
      resources: topics.map((t) => t.topicArn),
    }),
    ...(keys.length > 0
      ? [
          new PolicyStatement({
            sid: 'EncryptPagesForEncryptedTopics',
            actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
            resources: keys.map((k) => k.keyArn),
          }),
        ]
      : []),
  ];
}

/**
 * A probe function's write to the history table: PutItem and UpdateItem on the item whose partition key is
 * its own processor's name, and no other (dynamodb:LeadingKeys).
 */
export function historyRecordStatement(tableArn: string, processor: string, sid: string): PolicyStatement {
  return new PolicyStatement({
    sid,
    actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
    resources: [tableArn],
    conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [processor] } },
  });
}

/**
 * The diagnose function's use of the history table: BatchGetItem of every item, and PutItem only on the
 * incident items (partition keys starting with `incidentPrefix`).
 */
export function historyDiagnoseStatements(tableArn: string, incidentPrefix: string): PolicyStatement[] {
  return [
    new PolicyStatement({ sid: 'ReadHistory', actions: ['dynamodb:BatchGetItem'], resources: [tableArn] }),
    new PolicyStatement({
      sid: 'WriteIncidents',
      actions: ['dynamodb:PutItem'],
      resources: [tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${incidentPrefix}*`] } },
    }),
  ];
}

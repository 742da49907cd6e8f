/**
 * History: the table that remembers, across cold starts and redeploys, each processor's last passing probe
 * and current failure, and the open cross-processor incident (docs/diagnosis.md "The history store";
 * runtime side lambdas/glue/history-table.ts). On-demand DynamoDB, written only when a snapshot changes,
 * on a failure and on an hourly heartbeat: a few thousand small writes a processor-month (`payprobe cost`
 * shows the figure). Items expire (TTL) 35 days after their last write.
 *
 * Least privilege: each probe function may write only its own processor's item (IAM dynamodb:LeadingKeys);
 * the diagnose function reads every item and writes only incident items.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { HISTORY_TABLE_SCHEMA } from '../../lambdas/core/diagnosis/history';
import { INCIDENT_KEY_PREFIX } from '../../lambdas/core/diagnosis/incident';
import { historyDiagnoseStatements, historyRecordStatement } from '../function/grants';

export interface HistoryProps {
  /**
   * What happens to the table when the stack is deleted. The table holds only what the probes rebuild
   * within an hour (snapshots) and the current incident.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The history table and the grants the probe and diagnose functions need on it. */
export class History extends Construct {
  /** The DynamoDB table. */
  public readonly table: Table;

  constructor(scope: Construct, id: string, props: HistoryProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: HISTORY_TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: HISTORY_TABLE_SCHEMA.ttlAttribute,
      // Encrypted at rest with the AWS owned key (no KMS charge): the items hold input fingerprints, versions
      // and certificate names, never a value.
      encryption: TableEncryption.DEFAULT,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: false },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    Validations.of(this.table).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        'Point-in-time recovery would restore nothing worth having: the items are last-good snapshots that every passing probe rewrites within the hourly heartbeat, and the current incident; an old copy would only bring back stale baselines and closed incidents.',
    });
  }

  /** The table's name (PAYPROBE_HISTORY_TABLE). */
  public get tableName(): string {
    return this.table.tableName;
  }

  /** PutItem and UpdateItem on `processor`'s own item only (a probe function). */
  public grantRecord(grantee: IGrantable, processor: string): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      historyRecordStatement(this.table.tableArn, processor, 'RecordHistory'),
    );
  }

  /** BatchGetItem of every item and PutItem on the incident items (the diagnose function). */
  public grantDiagnose(grantee: IGrantable): void {
    for (const s of historyDiagnoseStatements(this.table.tableArn, INCIDENT_KEY_PREFIX))
      grantee.grantPrincipal.addToPrincipalPolicy(s);
  }
}

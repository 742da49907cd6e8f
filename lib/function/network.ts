/**
 * Where a payprobe function runs in a VPC (docs/deploy.md "Running in the integration's VPC"): the placement
 * (an IVpc, a subnet selection, security groups), what makes one unusable, and the IAM statements Lambda
 * needs to attach the function to the VPC, narrower than AWSLambdaVPCAccessExecutionRole. Which processors
 * share a placement is lib/deploy/placement.ts; a config's placement by id is imported in
 * lib/constructs/network.ts.
 */
import type { Stack } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';

/** A VPC placement for payprobe functions, as a CDK app passes it. */
export interface FunctionNetwork {
  /** The VPC the functions run in (the integration's). */
  readonly vpc: IVpc;

  /**
   * The subnets their network interfaces go in: private subnets with a route out (NAT, or the gateway's
   * egress). Public subnets are refused: a Lambda function gets no public IP there and cannot reach out.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: SubnetSelection;

  /**
   * Security groups of the functions: they need outbound HTTPS to the processors (and the proxy port), nothing
   * inbound.
   *
   * @default - one security group per function, all outbound allowed, nothing inbound
   */
  readonly securityGroups?: readonly ISecurityGroup[];
}

/** What is wrong with a placement given as props (JavaScript callers can leave out what TypeScript requires). */
export function functionNetworkProblem(network: FunctionNetwork | undefined): string | undefined {
  if (network === undefined) return undefined;
  const n = network as Partial<FunctionNetwork>;
  if (!n.vpc) {
    return `half-specified network: ${[n.vpcSubnets ? 'vpcSubnets' : '', n.securityGroups ? 'securityGroups' : ''].filter(Boolean).join(' and ') || 'the placement'} without vpc; pass vpc (an IVpc) with them, or no network at all`;
  }
  if (n.securityGroups && n.securityGroups.length === 0) {
    return 'network.securityGroups is empty: leave it out for a security group per function, or pass the ones that allow outbound HTTPS';
  }
  if (n.vpc.selectSubnets(n.vpcSubnets).hasPublic) {
    return 'network.vpcSubnets selects public subnets: a Lambda function gets no public IP and cannot reach a processor from there; select private subnets with a NAT route';
  }
  return undefined;
}

/**
 * What Lambda needs to put the function's network interfaces into the VPC (AWS Lambda Developer Guide,
 * "Giving Lambda functions access to resources in an Amazon VPC"), narrower than the managed
 * AWSLambdaVPCAccessExecutionRole (which allows every action on `*`):
 * - ec2:CreateNetworkInterface on network interfaces of this account and region, in exactly these subnets
 *   and with exactly these security groups;
 * - ec2:DeleteNetworkInterface, ec2:AssignPrivateIpAddresses, ec2:UnassignPrivateIpAddresses on network
 *   interfaces of this account and region (Lambda's guide asks for all of them there: a narrower resource
 *   can leave the function unable to reach the VPC);
 * - ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets, which only work on `*`.
 */
export function networkInterfaceStatements(
  stack: Stack,
  subnetIds: readonly string[],
  securityGroupIds: readonly string[],
): PolicyStatement[] {
  const arn = (resource: string, resourceName: string) =>
    stack.formatArn({ service: 'ec2', resource, resourceName });
  const interfaces = arn('network-interface', '*');
  return [
    new PolicyStatement({
      sid: 'CreateVpcNetworkInterfaces',
      actions: ['ec2:CreateNetworkInterface'],
      resources: [
        interfaces,
        ...subnetIds.map((id) => arn('subnet', id)),
        ...securityGroupIds.map((id) => arn('security-group', id)),
      ],
    }),
    new PolicyStatement({
      sid: 'ManageVpcNetworkInterfaces',
      actions: [
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: [interfaces],
    }),
    new PolicyStatement({
      sid: 'DescribeVpcNetworkInterfaces',
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
      resources: ['*'],
    }),
  ];
}

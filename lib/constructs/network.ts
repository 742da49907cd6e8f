/**
 * A placement the config names by id (`network.vpc`), imported for a payprobe function: nothing is created,
 * and the integration's own security groups are not changed (docs/deploy.md "Running in the integration's VPC").
 */
import { Fn } from 'aws-cdk-lib';
import { SecurityGroup, Subnet, Vpc } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { ResolvedNetwork } from '../../lambdas/core/config/load';
import type { FunctionNetwork } from '../function/network';

/**
 * The placement a config names by id, imported into `scope` (no resource is created): the VPC, exactly the
 * subnets, the security groups as they are (not mutable: payprobe adds no rule to the integration's groups).
 */
export function importedNetwork(scope: Construct, n: ResolvedNetwork): FunctionNetwork {
  const vpc = Vpc.fromVpcAttributes(scope, 'Vpc', {
    vpcId: n.vpc.vpcId,
    // The subnets are selected by id below; the zones are never read.
    availabilityZones: Fn.getAzs(),
  });
  return {
    vpc,
    vpcSubnets: { subnets: n.vpc.subnetIds.map((id, i) => Subnet.fromSubnetId(scope, `Subnet${i}`, id)) },
    securityGroups: n.vpc.securityGroupIds.map((id, i) =>
      SecurityGroup.fromSecurityGroupId(scope, `SecurityGroup${i}`, id, { mutable: false }),
    ),
  };
}

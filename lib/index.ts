/**
 * The construct library's one entry point (the package's main export, `import ... from 'payprobe'`): what a
 * CDK app imports to monitor payment processors with payprobe. The whole monitor as a construct for any
 * stack (PayProbe), or as a stack (PayProbeStack, or addPayProbeStacks for one stack per region); its parts
 * for composing your own (ProcessorMonitor, Alerting, ProbeDashboard, Diagnosis, Preflight, History,
 * GatewayAlarm); the function construct they share (PayProbeFunction); the checks every construct runs
 * first (validateStackConfig); where the functions run when the app owns the network (FunctionNetwork: an
 * IVpc, subnets, security groups); the config API the props take (defineConfig, loadConfigFile and the
 * config types, also on their own as `payprobe/config`); and the alarm and metric vocabulary the constructs
 * expose. Everything else under lib/ is the implementation behind these.
 */

export * from '../lambdas/core/config/api';
export {
  ALARM_KINDS,
  type AlarmKindName,
  alarmName,
  gatewayAlarmName,
  type Severity,
} from '../lambdas/core/contract/alarm-names';
export {
  DIMENSION_GATEWAY,
  GATEWAY_METRIC,
  METRIC_NAMESPACE,
  METRICS,
  type MetricName,
} from '../lambdas/core/contract/metric-names';
export type { MOfN } from './alarms/alarm-policy';
export * from './constructs/alerting';
export * from './constructs/dashboard';
export * from './constructs/diagnosis';
export * from './constructs/gateway-alarm';
export * from './constructs/history';
export * from './constructs/live-audit';
export * from './constructs/options';
export * from './constructs/payprobe';
export * from './constructs/payprobe-app';
export * from './constructs/payprobe-stack';
export * from './constructs/preflight';
export * from './constructs/processor-monitor';
export type { ConfigLocation, DeployedProcessor } from './deploy/deployed-processor';
export { type MonitorPlan, validateStackConfig } from './deploy/validate';
export type { PayProbeHandler } from './function/bundling';
export type { SecretReferences } from './function/grants';
export type { FunctionNetwork } from './function/network';
export * from './function/payprobe-function';

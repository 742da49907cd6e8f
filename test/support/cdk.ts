/**
 * Shared by the test/lib files: synthesize a config the way `cdk synth` does (cdk.json's context), with
 * bundling skipped unless asked for, and small template readers.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type LoadedConfig, loadConfigFile } from '../../lambdas/core/config/load';
import { addPayProbeStacks, type PayProbeStacksOptions } from '../../lib/constructs/payprobe-app';
import type { PayProbeStack } from '../../lib/constructs/payprobe-stack';

export { REPO } from './paths';

import { REPO } from './paths';
export const FIXTURES = path.join(REPO, 'test', 'lib', 'fixtures');

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** cdk.json's context, so tests synthesize with the same feature flags as `cdk synth`. */
export function cdkJsonContext(): Record<string, unknown> {
  const json = JSON.parse(readFileSync(path.join(REPO, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return json.context ?? {};
}

export interface Synthesized {
  readonly app: App;
  readonly config: LoadedConfig;
  readonly stacks: PayProbeStack[];
}

/** Builds the app for a config file. Bundling is skipped (no esbuild) unless `bundle` is true. */
export function synthConfig(
  file: string,
  options: PayProbeStacksOptions & {
    bundle?: boolean;
    outdir?: string;
    now?: number;
    /** aws-cdk-lib's built-in template validation (slow on large templates). @default true */
    validation?: boolean;
  } = {},
): Synthesized {
  const { bundle = false, outdir, now, validation = true, ...stackOptions } = options;
  const app = new App({
    context: { ...cdkJsonContext(), ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
    ...(outdir ? { outdir } : {}),
    ...(validation ? {} : { builtinCloudFormationValidation: false }),
  });
  const config = loadConfigFile(file, now === undefined ? {} : { now });
  const stacks = addPayProbeStacks(app, config, { account: '111122223333', ...stackOptions });
  return { app, config, stacks };
}

/** Resolves intrinsic functions the tests care about into readable strings (Ref → <LogicalId>). */
export function flatten(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(flatten);
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  if ('Ref' in obj && Object.keys(obj).length === 1) return `<${String(obj.Ref)}>`;
  if ('Fn::GetAtt' in obj) return `<${(obj['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Join' in obj) {
    const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => flatten(p)).join(sep);
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, flatten(v)]));
}

/** Resources of a type, keyed by logical id. */
export function resources(
  template: Template,
  type: string,
): Record<string, { Properties: Record<string, unknown> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, unknown> }>;
}

/** The logical id of a construct's default CloudFormation resource. */
export function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

/** The value, or a test failure naming what was missing (instead of a non-null assertion). */
export function must<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`missing: ${what}`);
  return value;
}

export { Template };

/**
 * Evaluates a CloudWatch metric math expression made only of ids, numbers, `+ - * /` and parentheses (what
 * payprobe's alarm arithmetic uses) for one datapoint, each id replaced by its value. Throws on anything
 * else (a function call like FILL or IF), so a test cannot silently evaluate an expression it does not
 * understand.
 */
export function evaluateMathExpression(expression: string, values: Readonly<Record<string, number>>): number {
  if (!/^[A-Za-z0-9_.\s+\-*/()]+$/.test(expression)) {
    throw new Error(`not plain arithmetic: ${expression}`);
  }
  const ids = [...new Set(expression.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [])];
  for (const id of ids) {
    if (!(id in values)) throw new Error(`no value for ${id} in ${expression}`);
  }
  const fn = new Function(...ids, `"use strict"; return (${expression});`) as (...args: number[]) => number;
  return fn(...ids.map((id) => values[id] as number));
}

/**
 * The one signature of a prober, as every caller sees it: the probe, diagnose and preflight handlers, the
 * CLI and the tests that stand in a fake. blackbox_exporter's ProbeFn in spirit: handlers take an Engine
 * (the real one by default), so a test can make it pass, fail or throw without a network.
 */
import type { ProcessorConfig } from '../config/model';
import type { TokenStore } from '../engine/token-cache';
import type { SecretResolver } from '../secrets/resolver';
import type { ProbeResult } from './result';

/** What every caller passes to the engine; the engine accepts more (clock, DNS, TLS contexts) for tests. */
export interface EngineDeps {
  /** Reads the processor's references. */
  readonly secrets: SecretResolver;
  /**
   * OAuth tokens kept between runs, where runs share memory (a warm Lambda's module scope, the CLI process);
   * the engine decides when a kept token is used (lambdas/core/engine/token-cache.ts). @default none
   */
  readonly tokens?: TokenStore;
  /**
   * The environment a `proxy: env` processor reads its proxy from (HTTPS_PROXY, HTTP_PROXY, NO_PROXY).
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Probes one processor. Resolves with a result for every failing processor; throws only for a bug. */
export type Engine = (processor: ProcessorConfig, deps: EngineDeps) => Promise<ProbeResult>;

export interface ManyEngineOptions {
  /** Called with each result as soon as it is ready, in completion order. */
  readonly onResult?: (result: ProbeResult) => void;
}

/** Probes many processors concurrently; results in completion order. */
export type ManyEngine = (
  processors: readonly ProcessorConfig[],
  deps: EngineDeps,
  options?: ManyEngineOptions,
) => Promise<ProbeResult[]>;

import { readFile, stat } from 'node:fs/promises';
import { FlagdCore } from '@openfeature/flagd-core';
import type { EvaluationContext, JsonValue, Provider, ResolutionDetails } from '@openfeature/server-sdk';

/** How often the file is looked at: a `lab flags set` applies within a second or two. */
const POLL_MS = 1_000;

/**
 * An OpenFeature provider for a flagd flag file, evaluated by flagd's own core (`@openfeature/flagd-core`,
 * the evaluator flagd's in-process provider runs). It does what that provider's offline file mode
 * does, without loading its gRPC client: 17 MB of memory per process the local lab never uses
 * (bench/what-each-change-bought.md). Under docker compose the services sync from a flagd server with
 * `@openfeature/flagd-provider` itself.
 */
export class FlagdFileProvider implements Provider {
  readonly metadata = { name: 'flagd-file' } as const;
  readonly runsOn = 'server' as const;
  private readonly core = new FlagdCore();
  private timer?: NodeJS.Timeout;
  private loadedMtimeMs = -1;

  constructor(private readonly file: string) {}

  async initialize(): Promise<void> {
    await this.load();
    this.timer = setInterval(() => void this.load().catch(() => undefined), POLL_MS).unref();
  }

  async onClose(): Promise<void> {
    clearInterval(this.timer);
  }

  /** Reads the file again when it changed; a file flagd would reject keeps the flags as they were. */
  private async load(): Promise<void> {
    const { mtimeMs } = await stat(this.file);
    if (mtimeMs === this.loadedMtimeMs) return;
    this.core.setConfigurations(await readFile(this.file, 'utf8'));
    this.loadedMtimeMs = mtimeMs;
  }

  resolveBooleanEvaluation(
    key: string,
    fallback: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.core.resolveBooleanEvaluation(key, fallback, context));
  }

  resolveStringEvaluation(
    key: string,
    fallback: string,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<string>> {
    return Promise.resolve(this.core.resolveStringEvaluation(key, fallback, context));
  }

  resolveNumberEvaluation(
    key: string,
    fallback: number,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<number>> {
    return Promise.resolve(this.core.resolveNumberEvaluation(key, fallback, context));
  }

  resolveObjectEvaluation<T extends JsonValue>(
    key: string,
    fallback: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return Promise.resolve(this.core.resolveObjectEvaluation(key, fallback, context));
  }
}

import { getMeter } from '@incident-lab/telemetry';
import { FlagdProvider } from '@openfeature/flagd-provider';
import { type Client, InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import {
  applyAssignments,
  DEFAULT_FLAG_FILE,
  type FlagFile,
  type FlagValue,
  readFlagFile,
} from './flag-file';

export interface FlagSource {
  /** A flagd JSON file evaluated in-process (local runs); polled, so edits apply within ~5 s. */
  file?: string;
  /** A flagd server to sync from (docker compose); overrides `file`. */
  flagdHost?: string;
  flagdPort?: number;
}

/** The flags a service applies, each with the value it falls back to when the flag cannot be read. */
export type FlagDefaults = Record<string, FlagValue>;

const REFRESH_MS = 1_000;
const readers = new Set<FlagReader>();

/**
 * How a service reads its break/fix switches. Every evaluation goes through OpenFeature, so the
 * same code reads a local file or a flagd server. The service re-reads its declared flags every
 * second and shows what is in force: as `lab_flag_value{flag}` for dashboards, and by variant on
 * `/health/flags`, so `lab run` can wait until a change has really been applied.
 */
export class FlagReader {
  private readonly applied = new Map<string, { variant: string; value: number }>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly client: Client,
    private readonly serviceName: string,
    private readonly defaults: FlagDefaults,
  ) {
    getMeter('flags')
      .createObservableGauge('lab_flag_value', {
        description:
          "Each flag this service applies: the flag's value (booleans 0/1, text 1); /health/flags names the variant.",
      })
      .addCallback((result) => {
        for (const [flag, { value }] of this.applied) result.observe(value, { flag });
      });
  }

  private get context() {
    return { targetingKey: this.serviceName, service: this.serviceName };
  }

  private fallback<T extends FlagValue>(key: string): T {
    if (!(key in this.defaults))
      throw new Error(`${this.serviceName} reads flag "${key}" it did not declare`);
    return this.defaults[key] as T;
  }

  private async evaluate(key: string): Promise<FlagValue> {
    const fallback = this.fallback(key);
    const details =
      typeof fallback === 'boolean'
        ? await this.client.getBooleanDetails(key, fallback, this.context)
        : typeof fallback === 'number'
          ? await this.client.getNumberDetails(key, fallback, this.context)
          : await this.client.getStringDetails(key, fallback, this.context);
    const value = details.value;
    this.applied.set(key, {
      variant: details.variant ?? 'default',
      value: typeof value === 'number' ? value : value === false ? 0 : 1,
    });
    return value;
  }

  async bool(key: string): Promise<boolean> {
    return (await this.evaluate(key)) as boolean;
  }

  async number(key: string): Promise<number> {
    return (await this.evaluate(key)) as number;
  }

  async string<T extends string>(key: string): Promise<T> {
    return (await this.evaluate(key)) as T;
  }

  /** The variant of each declared flag as last applied. */
  appliedVariants(): Record<string, string> {
    return Object.fromEntries([...this.applied].map(([flag, { variant }]) => [flag, variant]));
  }

  /** Re-reads every declared flag now and then every second, so the gauge follows the source. */
  startRefreshing(): this {
    const refresh = () =>
      Promise.all(Object.keys(this.defaults).map((key) => this.evaluate(key))).catch(() => undefined);
    void refresh();
    this.timer = setInterval(refresh, REFRESH_MS).unref();
    readers.add(this);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    readers.delete(this);
  }
}

export async function startFlags(
  serviceName: string,
  source: FlagSource,
  defaults: FlagDefaults,
): Promise<FlagReader> {
  const provider = source.flagdHost
    ? new FlagdProvider({
        resolverType: 'in-process',
        host: source.flagdHost,
        port: source.flagdPort ?? 8015,
      })
    : new FlagdProvider({
        resolverType: 'in-process',
        offlineFlagSourcePath: source.file ?? DEFAULT_FLAG_FILE,
      });
  await OpenFeature.setProviderAndWait(serviceName, provider);
  return new FlagReader(OpenFeature.getClient(serviceName), serviceName, defaults).startRefreshing();
}

export async function stopFlags(): Promise<void> {
  for (const reader of readers) reader.stop();
  await OpenFeature.close();
}

function inMemoryConfiguration(flagFile: FlagFile) {
  return Object.fromEntries(
    Object.entries(flagFile.flags).map(([key, flag]) => [
      key,
      { variants: flag.variants, defaultVariant: flag.defaultVariant, disabled: flag.state === 'DISABLED' },
    ]),
  );
}

/**
 * The shipped flags behind OpenFeature's in-memory provider, for tests that flip flags many times:
 * `set` validates like `lab flags set` and applies at once instead of after the file poll.
 */
export async function startFlagsInMemory(serviceName: string, defaults: FlagDefaults) {
  const flagFile = await readFlagFile(DEFAULT_FLAG_FILE);
  const provider = new InMemoryProvider(inMemoryConfiguration(flagFile));
  await OpenFeature.setProviderAndWait(serviceName, provider);
  return {
    flags: new FlagReader(OpenFeature.getClient(serviceName), serviceName, defaults),
    set(assignments: Record<string, string>) {
      provider.putConfiguration(inMemoryConfiguration(applyAssignments(flagFile, assignments)));
    },
  };
}

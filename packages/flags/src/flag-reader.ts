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

/**
 * How a service reads its break/fix switches. Every evaluation goes through OpenFeature, so the
 * same code reads a local file or a flagd server, and the value a service last applied is exported
 * as `lab_flag_value{flag}` so dashboards and `lab run` can see what is really in force.
 */
export class FlagReader {
  private readonly applied = new Map<string, number>();

  constructor(
    private readonly client: Client,
    private readonly serviceName: string,
  ) {
    getMeter('flags')
      .createObservableGauge('lab_flag_value', {
        description: 'The value of each flag as last applied by this service (booleans as 0/1, text as 1).',
      })
      .addCallback((result) => {
        for (const [flag, value] of this.applied) result.observe(value, { flag });
      });
  }

  private record(key: string, value: FlagValue): void {
    this.applied.set(key, typeof value === 'number' ? value : value === false ? 0 : 1);
  }

  private get context() {
    return { targetingKey: this.serviceName, service: this.serviceName };
  }

  async bool(key: string, fallback: boolean): Promise<boolean> {
    const value = await this.client.getBooleanValue(key, fallback, this.context);
    this.record(key, value);
    return value;
  }

  async number(key: string, fallback: number): Promise<number> {
    const value = await this.client.getNumberValue(key, fallback, this.context);
    this.record(key, value);
    return value;
  }

  async string<T extends string>(key: string, fallback: T): Promise<T> {
    const value = await this.client.getStringValue(key, fallback, this.context);
    this.record(key, value);
    return value as T;
  }
}

export async function startFlags(serviceName: string, source: FlagSource = {}): Promise<FlagReader> {
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
  return new FlagReader(OpenFeature.getClient(serviceName), serviceName);
}

export async function stopFlags(): Promise<void> {
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
export async function startFlagsInMemory(serviceName: string) {
  const flagFile = await readFlagFile(DEFAULT_FLAG_FILE);
  const provider = new InMemoryProvider(inMemoryConfiguration(flagFile));
  await OpenFeature.setProviderAndWait(serviceName, provider);
  return {
    flags: new FlagReader(OpenFeature.getClient(serviceName), serviceName),
    set(assignments: Record<string, string>) {
      provider.putConfiguration(inMemoryConfiguration(applyAssignments(flagFile, assignments)));
    },
  };
}

import { AsyncLocalStorage } from 'node:async_hooks';
import { getMeter } from '@incident-lab/telemetry';
import { type Client, InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { type Attributes, trace } from '@opentelemetry/api';
import { type DrillOverlay, type OverlaySource, readOverlay } from './drill-overlay';
import {
  applyAssignments,
  type FlagFile,
  type FlagValue,
  readFlagFile,
  SHIPPED_FLAG_FILE,
  shippedVariants,
} from './flag-file';
import { FlagdFileProvider } from './flagd-file-provider';

export interface FlagSource {
  /** A flagd JSON file evaluated in-process (local runs); polled each second, so edits apply within about two. */
  file?: string;
  /** A flagd server to sync from (docker compose); overrides `file`. */
  flagdHost?: string;
  flagdPort?: number;
  /** A game day's sealed overlay (`lab drill`): flags in force that are not shown until revealed. */
  overlay?: OverlaySource;
}

/**
 * The flags a service applies, each with the value it falls back to when the flag cannot be read.
 * Declared once per service (`src/flags.ts`); its type is what the service's snapshot holds, so a
 * misspelt key or a variant the service does not know is a compile error.
 */
export type FlagDefaults = Record<string, FlagValue>;

/** A declared default's type as a flag value: `false` declares a boolean, `0` a number. */
type Widen<T> = T extends boolean ? boolean : T extends number ? number : T;

/** The service's flags at one moment: what a request, a message or a job run goes by from start to end. */
export type FlagSnapshot<D extends FlagDefaults> = { readonly [K in keyof D]: Widen<D[K]> };

/** A reader whose flags a test sets directly: `set` validates like `lab flags set` and applies at once. */
export interface InMemoryFlags<D extends FlagDefaults> {
  flags: FlagReader<D>;
  set(assignments: Record<string, string>): void;
}

const REFRESH_MS = 1_000;
/** Every started reader, so `stopFlags` can stop their timers. */
const readers = new Set<{ stop(): void }>();

/**
 * How a service reads its break/fix switches. Evaluation goes through OpenFeature, so the same code
 * reads a local file or a flagd server, once a second in the background; code reads the result
 * synchronously with `snapshot()`, taken once at the edge (per request by service-kit, per message by
 * a consumer, per run by a job) and passed down, so one request never sees a flag change halfway.
 * What is in force shows as `lab_flag_variant{flag,variant}` (and `lab_flag_value{flag}`) for
 * dashboards and by variant on `/health/flags`, so `lab run` can wait until a change has really been
 * applied.
 */
export class FlagReader<D extends FlagDefaults = FlagDefaults> {
  /** What the source says: what the service shows (`/health/flags`, metrics, span events). */
  private readonly applied = new Map<keyof D & string, { variant: string; value: FlagValue }>();
  /** A drill's hidden flags (`drill-overlay.ts`): in force over `applied`, shown only once revealed. */
  private hidden: DrillOverlay = { flags: {}, revealed: false };
  private hiddenText = '';
  private timer?: NodeJS.Timeout;
  /** The snapshot of what is applied, made once per change: every request takes one. */
  private cached?: FlagSnapshot<D>;
  /** The `feature_flag.evaluation` events of what is applied, made once per change like the snapshot. */
  private events?: Attributes[];
  /** The shipped flag file's variant of each flag: what a trace does not need to repeat. */
  private readonly shipped = shippedVariants();
  /** The snapshot of the unit of work under way (`run`), for code below it that has no request to ask. */
  private readonly unit = new AsyncLocalStorage<FlagSnapshot<D>>();

  constructor(
    private readonly client: Client,
    private readonly serviceName: string,
    private readonly defaults: D,
    private readonly overlay?: OverlaySource,
  ) {
    getMeter('flags')
      .createObservableGauge('lab_flag_value', {
        description:
          "Each flag this service applies: the flag's value (booleans 0/1, text 1); /health/flags names the variant.",
      })
      .addCallback((result) => {
        for (const [flag, { value }] of this.shown())
          result.observe(typeof value === 'number' ? value : value === false ? 0 : 1, { flag });
      });
    // The variant by name, as an info metric: a value alone cannot tell `retry-policy=immediate`
    // from `backoff`.
    getMeter('flags')
      .createObservableGauge('lab_flag_variant', {
        description: 'Each flag this service applies, with the variant in force as a label; always 1.',
      })
      .addCallback((result) => {
        for (const [flag, { variant }] of this.shown()) result.observe(1, { flag, variant });
      });
  }

  private get context() {
    return { targetingKey: this.serviceName, service: this.serviceName };
  }

  private async evaluate(key: keyof D & string): Promise<void> {
    const fallback = this.defaults[key] as FlagValue;
    const details =
      typeof fallback === 'boolean'
        ? await this.client.getBooleanDetails(key, fallback, this.context)
        : typeof fallback === 'number'
          ? await this.client.getNumberDetails(key, fallback, this.context)
          : await this.client.getStringDetails(key, fallback, this.context);
    this.set(key, { variant: details.variant ?? 'default', value: details.value });
  }

  private set(key: keyof D & string, applied: { variant: string; value: FlagValue }): void {
    const before = this.applied.get(key);
    if (before?.variant === applied.variant && before.value === applied.value) return;
    this.applied.set(key, applied);
    this.cached = undefined;
    this.events = undefined;
  }

  /** Re-reads every declared flag from the source, and a drill's overlay when there is one. */
  async refresh(): Promise<void> {
    await Promise.all(Object.keys(this.defaults).map((key) => this.evaluate(key)));
    if (!this.overlay) return;
    const hidden = (await readOverlay(this.overlay)) ?? { flags: {}, revealed: false };
    const text = JSON.stringify(hidden);
    if (text === this.hiddenText) return;
    this.hidden = hidden;
    this.hiddenText = text;
    this.cached = undefined;
    this.events = undefined;
  }

  /** The flags this service declares that a drill holds in force, by key. */
  private hiddenOf(key: string): { variant: string; value: FlagValue } | undefined {
    return key in this.defaults ? this.hidden.flags[key] : undefined;
  }

  /** What every surface shows: the source's variants, and a drill's only once it is revealed. */
  private shown(): Map<string, { variant: string; value: FlagValue }> {
    if (!this.hidden.revealed) return this.applied;
    const shown = new Map<string, { variant: string; value: FlagValue }>(this.applied);
    for (const key of Object.keys(this.defaults)) {
      const hidden = this.hiddenOf(key);
      if (hidden) shown.set(key, hidden);
    }
    return shown;
  }

  /** Sets what is in force directly (the in-memory reader of tests). */
  apply(values: Record<string, { variant: string; value: FlagValue }>): void {
    for (const key of Object.keys(this.defaults)) {
      const given = values[key];
      if (given) this.set(key, given);
    }
  }

  /** Every declared flag as last read (its default until the first read): synchronous, typed. */
  snapshot(): FlagSnapshot<D> {
    if (!this.cached) {
      const values: Record<string, FlagValue> = { ...this.defaults };
      for (const [key, { value }] of this.applied) values[key] = this.hiddenOf(key)?.value ?? value;
      this.cached = Object.freeze(values) as FlagSnapshot<D>;
    }
    return this.cached;
  }

  /**
   * The snapshot one unit of work goes by (a request, a consumed message, a job run), also written on
   * the active span as OpenTelemetry's `feature_flag.evaluation` events, one per flag whose variant
   * is not the shipped file's, with its key and variant: the trace then says which faults and fixes
   * were on when it ran, and a trace with none ran on the shop as shipped (as shown: a drill's hidden
   * flags stay hidden there too). Flags as shipped are left out because they are most flags most of
   * the time: one event for each of them on every request was half of what the lab exported
   * (bench/what-each-change-bought.md). The evaluation itself happens in the background once a
   * second; the events carry its result, not a second evaluation.
   */
  private take(): FlagSnapshot<D> {
    const span = trace.getActiveSpan();
    if (span?.isRecording()) {
      const shown = this.shown();
      this.events ??= Object.keys(this.defaults)
        .map((key) => ({ key, variant: shown.get(key)?.variant ?? 'default' }))
        .filter(({ key, variant }) => variant !== this.shipped[key])
        .map(({ key, variant }) => ({
          'feature_flag.key': key,
          'feature_flag.result.variant': variant,
          'feature_flag.provider.name': this.client.metadata.providerMetadata.name,
        }));
      for (const attributes of this.events) span.addEvent('feature_flag.evaluation', attributes);
    }
    return this.snapshot();
  }

  /**
   * Runs one unit of work (a request, a consumed message, a job run, a relay pass) under one snapshot,
   * taken now (`take`): `work` gets it, and `current()` returns it anywhere below, however long the
   * work takes and whatever the flags do meanwhile.
   */
  run<T>(work: (flags: FlagSnapshot<D>) => T): T {
    const snapshot = this.take();
    return this.unit.run(snapshot, () => work(snapshot));
  }

  /**
   * The snapshot of the unit of work this code runs in (`run`), for shared code that serves every
   * unit (storefront's database gate); outside any unit, what is applied now.
   */
  current(): FlagSnapshot<D> {
    return this.unit.getStore() ?? this.snapshot();
  }

  /** The variant of each declared flag as shown (`/health/flags`): the source's, unless a drill revealed its own. */
  appliedVariants(): Record<string, string> {
    return Object.fromEntries([...this.shown()].map(([flag, { variant }]) => [flag, variant]));
  }

  /** Reads every declared flag now, then every second, so snapshots and the gauge follow the source. */
  async startRefreshing(): Promise<this> {
    await this.refresh().catch(() => undefined);
    this.timer = setInterval(() => this.refresh().catch(() => undefined), REFRESH_MS).unref();
    readers.add(this);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    readers.delete(this);
  }
}

export async function startFlags<D extends FlagDefaults>(
  serviceName: string,
  source: FlagSource,
  defaults: D,
): Promise<FlagReader<D>> {
  // A flagd server (compose) through flagd's provider, loaded only then: its gRPC client is most of
  // what the flags cost a process. A file, through flagd's evaluator alone.
  const provider = source.flagdHost
    ? new (await import('@openfeature/flagd-provider')).FlagdProvider({
        resolverType: 'in-process',
        host: source.flagdHost,
        port: source.flagdPort ?? 8015,
      })
    : new FlagdFileProvider(source.file ?? SHIPPED_FLAG_FILE);
  await OpenFeature.setProviderAndWait(serviceName, provider);
  return new FlagReader(
    OpenFeature.getClient(serviceName),
    serviceName,
    defaults,
    source.overlay,
  ).startRefreshing();
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
export async function startFlagsInMemory<D extends FlagDefaults>(
  serviceName: string,
  defaults: D,
): Promise<InMemoryFlags<D>> {
  const flagFile = await readFlagFile(SHIPPED_FLAG_FILE);
  const provider = new InMemoryProvider(inMemoryConfiguration(flagFile));
  await OpenFeature.setProviderAndWait(serviceName, provider);
  const flags = new FlagReader(OpenFeature.getClient(serviceName), serviceName, defaults);
  const set = (assignments: Record<string, string>) => {
    const file = applyAssignments(flagFile, assignments);
    provider.putConfiguration(inMemoryConfiguration(file));
    // Applied at once: the next snapshot has it, as a test that flips a flag expects.
    flags.apply(
      Object.fromEntries(
        Object.entries(file.flags).map(([key, flag]) => [
          key,
          { variant: flag.defaultVariant, value: flag.variants[flag.defaultVariant] as FlagValue },
        ]),
      ),
    );
  };
  set({});
  return { flags, set };
}

import { inTransaction, type Pool } from '@incident-lab/db';
import type { FlagReader } from '@incident-lab/flags';
import type { Broker } from '@incident-lab/messaging';
import { type Poller, poll } from '@incident-lab/service-kit';
import { type Logger, polledGauge } from '@incident-lab/telemetry';
import type { PAYMENTS_FLAGS } from '../flags';
import { mandatoryPublish } from '../lessons/unroutable-guard';
import { lockUnsent, markSent, unsentCount } from './outbox.repo';

const POLL_MS = 250;
const BATCH = 50;

/**
 * Publishes what the outbox holds. Each event is marked sent only after the broker confirmed it, in
 * the transaction that locked it: a crash before the mark means it is published again (at least
 * once), which is why the consumers are idempotent. Runs whatever the flag says, so events written
 * while the outbox was on are never stranded.
 */
export class OutboxRelay {
  private poller?: Poller;
  private readonly backlogGauge: { stop(): void };

  constructor(
    private readonly pool: Pool,
    private readonly broker: Broker,
    private readonly flags: FlagReader<typeof PAYMENTS_FLAGS>,
    private readonly logger: Logger,
  ) {
    // Counted in the background, not on every relay tick: a scrape must not queue in the pool.
    this.backlogGauge = polledGauge(
      'payments',
      'shop_outbox_backlog',
      'Events in the outbox not yet confirmed by the broker.',
      () => unsentCount(this.pool),
    );
  }

  start(): void {
    this.poller = poll(
      () => this.relayOnce(),
      POLL_MS,
      (error) => this.logger.warn({ err: error }, 'outbox relay could not publish; will retry'),
    );
  }

  /** Publishes one batch, under one flag snapshot (a batch is the relay's unit of work); returns how many were sent. */
  relayOnce(): Promise<number> {
    return this.flags.run((flags) => this.relayUnder(mandatoryPublish(flags['unroutable-guard'])));
  }

  private async relayUnder(mandatory: boolean): Promise<number> {
    const sent = await inTransaction(this.pool, async (connection) => {
      const rows = await lockUnsent(connection, BATCH);
      for (const { destination, message } of rows) {
        if (destination === 'events') await this.broker.publishEvent(message, { mandatory });
        else await this.broker.sendCommand(message);
        await markSent(connection, message.id);
      }
      return rows.length;
    });
    if (sent > 0) this.logger.info({ sent }, 'outbox events published');
    return sent;
  }

  /** Stops relaying and waits for the batch under way. */
  async stop(): Promise<void> {
    this.backlogGauge.stop();
    await this.poller?.stop();
  }
}

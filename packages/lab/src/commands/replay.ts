import { parseArgs } from 'node:util';
import { type ParkedEntry, type ReplayOutcome, replayParked } from '@incident-lab/messaging';
import { checkInfrastructure } from '../clients/infrastructure';
import type { LabOptions } from '../settings/lab-options';
import { UsageError, usage } from './args';

export const replayHelp = `lab replay [--dry-run] [--rate N] [--again] [--json]
  Event reprocessing, after a silent failure's cause is fixed: sends the parked messages back
  where they belong. A dead-lettered message goes back to the queue it failed on; an unroutable
  event is published again under its name (it stays parked while still no queue listens to it).
  Each is listed with why it was parked (the consumer's error, or RabbitMQ's x-death reason),
  its payment and order, and what became of it. The consumers are idempotent, so a message they
  handled before changes nothing. A message that comes back after a replay is reported and kept,
  not replayed in a loop: fix its cause, then replay it with --again.
  --dry-run   list and say what would happen; move nothing
  --rate N    at most N messages a second (1–1000, default 20), so the backlog does not flood
              the consumer that was just fixed
  Exit status 1 when messages stay parked that the replay could not send.`;

const SAID: Record<ReplayOutcome, string> = {
  replayed: 'replayed',
  'would-replay': 'would be replayed',
  'replayed-before': 'came back after an earlier replay: kept (fix the cause, then --again)',
  'still-unroutable':
    'still no queue listens to it: kept (`lab backfill invoices` covers completed payments)',
  'no-destination': 'names no queue of this lab: kept for a person',
};

/** Whether a queue listens to a routing key shows only when the broker routes it (or returns it). */
const WOULD_PUBLISH = 'would be published again under its name (kept if still no queue listens to it)';

function describe(entry: ParkedEntry): string {
  const ids = Object.entries(entry.ids)
    .map(([key, id]) => `${key.replace(/Id$/, '')} ${id}`)
    .join(', ');
  const to = !entry.destination
    ? 'nowhere known'
    : 'queue' in entry.destination
      ? entry.destination.queue
      : `${entry.destination.exchange} as ${entry.destination.routingKey}`;
  const history = [
    entry.deaths > 1 ? `died ${entry.deaths} times` : '',
    entry.replays > 0 ? `replayed ${entry.replays} time(s) before` : '',
  ].filter(Boolean);
  return (
    `${entry.type || 'unknown type'} ${entry.messageId}${ids ? ` (${ids})` : ''}\n` +
    `    why: ${entry.reason}${history.length ? ` (${history.join(', ')})` : ''}\n` +
    `    to:  ${to}`
  );
}

export async function replayCommand(words: string[], options: LabOptions): Promise<number> {
  const { values } = usage(() =>
    parseArgs({
      args: words,
      options: {
        'dry-run': { type: 'boolean' },
        rate: { type: 'string' },
        again: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      strict: true,
    }),
  );
  const ratePerS = values.rate === undefined ? 20 : Number(values.rate);
  if (!Number.isInteger(ratePerS) || ratePerS < 1 || ratePerS > 1000) {
    throw new UsageError(
      `--rate must be a whole number of messages a second from 1 to 1000, got "${values.rate}"`,
    );
  }
  await checkInfrastructure(options);
  const dryRun = values['dry-run'] ?? false;
  let parkedOn = '';
  const result = await replayParked(options.amqpUrl, options.namespace, {
    dryRun,
    ratePerS,
    again: values.again ?? false,
    onEach: values.json
      ? undefined
      : (entry, outcome) => {
          if (entry.parkedOn !== parkedOn) {
            parkedOn = entry.parkedOn;
            console.log(`\n${parkedOn}`);
          }
          const unsure = outcome === 'would-replay' && entry.destination && 'exchange' in entry.destination;
          console.log(`  ${describe(entry)}\n    →    ${unsure ? WOULD_PUBLISH : SAID[outcome]}`);
        },
  });
  const left =
    result.counts['replayed-before'] + result.counts['still-unroutable'] + result.counts['no-destination'];
  if (values.json) {
    console.log(JSON.stringify({ dryRun, ratePerS, ...result }, null, 2));
  } else if (result.entries.length === 0) {
    console.log('Nothing is parked: the dead-letter and unroutable queues are empty.');
  } else {
    console.log(
      `\n${dryRun ? `${result.counts['would-replay']} would be replayed` : `${result.counts.replayed} replayed`}, ` +
        `${left} left parked${dryRun ? '; nothing moved (--dry-run)' : ''}.` +
        (dryRun || result.counts.replayed === 0
          ? ''
          : '\nThen `npx lab check`: a payment whose invoice is still missing needs `npx lab backfill invoices`.'),
    );
  }
  return !dryRun && left > 0 ? 1 : 0;
}

import type { GetMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { describeParked } from './replay';
import { topology } from './topology';

const spec = topology('lab');

/** A parked message as amqplib hands it over: its body and the properties its headers ride in. */
function parked(content: string, properties: Record<string, unknown>): GetMessage {
  return { content: Buffer.from(content), properties, fields: {} } as unknown as GetMessage;
}

const completed = JSON.stringify({
  id: 'm-1',
  type: 'payment.completed',
  occurredAt: '2026-12-02T10:00:00.000Z',
  data: { paymentId: 'p-1', orderId: 'o-1' },
});

describe('describeParked: where a parked message belongs, read from headers anyone could have set', () => {
  it('sends a dead letter back only to a queue of this lab, whatever its header names', () => {
    for (const queue of [
      'other.invoicing.payment-completed',
      'lab.dead-letter',
      'amq.rabbitmq.reply-to',
      42,
    ]) {
      const entry = describeParked(
        parked(completed, {
          messageId: 'm-1',
          headers: { 'x-failed-queue': queue, 'x-failure-reason': 'boom' },
        }),
        spec,
        'lab.dead-letter',
      );
      expect(entry.destination, String(queue)).toBeUndefined();
    }
    const home = describeParked(
      parked(completed, { headers: { 'x-failed-queue': 'lab.invoicing.payment-completed' } }),
      spec,
      'lab.dead-letter',
    );
    expect(home).toMatchObject({
      destination: { queue: 'lab.invoicing.payment-completed' },
      ids: { paymentId: 'p-1', orderId: 'o-1' },
      reason: 'unknown',
    });
  });

  it('reads a replay count that is not a number as none, and a body that is not an envelope by its properties', () => {
    const entry = describeParked(
      parked('not json', { type: 'payment.completed', headers: { 'x-replay-count': 'many' } }),
      spec,
      'lab.unroutable',
    );
    expect(entry).toMatchObject({
      type: 'payment.completed',
      ids: {},
      replays: 0,
      destination: { exchange: 'lab.events', routingKey: 'payment.completed' },
    });
  });
});

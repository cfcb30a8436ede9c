import { getMeter } from '@incident-lab/telemetry';

const meter = getMeter('messaging');

/** Events published and consumed, by type: their difference is work that went nowhere. */
export const messagingMetrics = {
  published: meter.createCounter('shop_events_published', {
    description: 'Events and commands the broker confirmed, by type.',
  }),
  consumed: meter.createCounter('shop_events_consumed', {
    description: 'Messages handled by a consumer, by type, queue and outcome (ok or failed).',
  }),
  deadLettered: meter.createCounter('shop_messages_dead_lettered', {
    description: 'Messages a consumer failed twice and parked on the dead-letter queue, by queue.',
  }),
  unroutable: meter.createCounter('shop_events_unroutable', {
    description: 'Published events no queue was bound to receive, returned by the broker, by type.',
  }),
  redelivered: meter.createCounter('shop_messages_redelivered', {
    description: 'Messages the broker delivered again (a consumer died or gave up before acking), by queue.',
  }),
};

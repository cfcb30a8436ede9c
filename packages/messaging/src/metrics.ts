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
  redelivered: meter.createCounter('shop_messages_redelivered', {
    description: 'Messages the broker delivered again (a consumer died or gave up before acking), by queue.',
  }),
};

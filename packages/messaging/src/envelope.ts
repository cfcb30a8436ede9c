import { randomUUID } from 'node:crypto';

/** What travels on the broker: the event type, a unique id (also the AMQP message id) and the data. */
export interface Envelope<T = unknown> {
  id: string;
  type: string;
  occurredAt: string;
  data: T;
}

export function envelope<T>(type: string, data: T, id: string = randomUUID()): Envelope<T> {
  return { id, type, occurredAt: new Date().toISOString(), data };
}

export function parseEnvelope(content: Buffer): Envelope {
  const parsed = JSON.parse(content.toString('utf8')) as Partial<Envelope>;
  if (typeof parsed.id !== 'string' || typeof parsed.type !== 'string' || !('data' in parsed)) {
    throw new Error('message is not an envelope: it needs string id, string type and data');
  }
  return parsed as Envelope;
}

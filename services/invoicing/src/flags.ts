import type { FlagDefaults } from '@incident-lab/flags';

/**
 * The silent-failure lab's switches in invoicing: a data-dependent template bug (fault), and what
 * the consumer does about a failure: swallow it and ack (broken) or dead-letter it (fixed).
 */
export const INVOICING_FLAGS = {
  'invoicing-template-bug': false,
  'invoicing-dead-letter': false,
} satisfies FlagDefaults;

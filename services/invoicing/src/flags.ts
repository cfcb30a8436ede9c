import type { FlagDefaults, FlagSnapshot } from '@incident-lab/flags';
import { flagsOf } from '@incident-lab/service-kit';
import type { Response } from 'express';

/**
 * The silent-failure lab's switches in invoicing: a data-dependent template bug (fault), and what
 * the consumer does about a failure: swallow it and ack (broken) or dead-letter it (fixed).
 */
export const INVOICING_FLAGS = {
  'invoicing-template-bug': false,
  'invoicing-dead-letter': false,
} satisfies FlagDefaults;

/** Invoicing's flags at one moment: what one request, message or run goes by. */
export type InvoicingFlags = FlagSnapshot<typeof INVOICING_FLAGS>;

/** The flags in force for this request (service-kit took the snapshot when it arrived). */
export const invoicingFlagsOf = (response: Response): InvoicingFlags => flagsOf<InvoicingFlags>(response);

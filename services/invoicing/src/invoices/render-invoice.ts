import type { InvoiceInput } from './invoices.repo';

export class InvoiceRenderError extends Error {
  override name = 'InvoiceRenderError';
}

/**
 * The invoice e-mail as the template renders it. With the `invoicing-template-bug` fault, the
 * template cannot handle customers whose number ends in 7 (user-7, user-17): a data-dependent bug
 * that hits one customer in ten and leaves every HTTP status green.
 */
export function renderInvoice(input: InvoiceInput, templateBug: boolean): { subject: string } {
  if (templateBug && /7$/.test(input.customer)) {
    throw new InvoiceRenderError(`invoice template cannot render customer "${input.customer}"`);
  }
  return { subject: `Your invoice for order ${input.orderId}` };
}

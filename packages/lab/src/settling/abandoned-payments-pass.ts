import { internalAuth } from '@incident-lab/http-client';
import type { ServiceProcess } from '../settings/services';

/**
 * Storefront's abandoned-payments job, its next run brought forward after the load (`afterS=0`: the
 * shop is quiet, so an order payments never heard of will not be paid). With `abandoned-payments`
 * off it looks at nothing, as the broken shop does. Returns the orders it abandoned.
 */
export async function abandonedPaymentsPass(services: ServiceProcess[]): Promise<string[]> {
  const storefront = services.find((service) => service.name === 'storefront');
  if (!storefront) throw new Error('the lab has no storefront service');
  const response = await fetch(`${storefront.url}/internal/jobs/abandoned-payments?afterS=0`, {
    method: 'POST',
    headers: internalAuth(storefront.env.INTERNAL_TOKEN as string),
    signal: AbortSignal.timeout(60_000),
  });
  const body = (await response.json()) as { abandoned?: string[]; detail?: string };
  if (!response.ok)
    throw new Error(`storefront's abandoned-payments run answered ${response.status}: ${body.detail}`);
  return body.abandoned ?? [];
}

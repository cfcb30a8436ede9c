import { internalAuth } from '@incident-lab/http-client';
import type { ServiceProcess } from '../settings/services';

/** Calls one of storefront's internal job routes (behind the lab's internal token) and returns its answer. */
async function storefrontJob<T>(services: ServiceProcess[], path: string, what: string): Promise<T> {
  const storefront = services.find((service) => service.name === 'storefront');
  if (!storefront) throw new Error('the lab has no storefront service');
  const response = await fetch(`${storefront.url}${path}`, {
    method: 'POST',
    headers: internalAuth(storefront.env.INTERNAL_TOKEN as string),
    signal: AbortSignal.timeout(60_000),
  }).catch((error: unknown) => {
    throw new Error(
      `storefront does not answer at ${storefront.url} (is the lab up? npx lab up): ${(error as Error).message}`,
    );
  });
  const body = (await response.json()) as T & { detail?: string };
  if (!response.ok) throw new Error(`storefront's ${what} answered ${response.status}: ${body.detail}`);
  return body;
}

/**
 * Storefront's abandoned-payments job, its next run brought forward after the load (`afterS=0`: the
 * shop is quiet, so an order payments never heard of will not be paid). With `abandoned-payments`
 * off it looks at nothing, as the broken shop does. Returns the orders it abandoned.
 */
export async function abandonedPaymentsPass(services: ServiceProcess[]): Promise<string[]> {
  const body = await storefrontJob<{ abandoned?: string[] }>(
    services,
    '/internal/jobs/abandoned-payments?afterS=0',
    'abandoned-payments run',
  );
  return body.abandoned ?? [];
}

/** Storefront's price audit, its next run brought forward: the orders it found charged a stale price. */
export async function priceAuditPass(services: ServiceProcess[]): Promise<string[]> {
  const body = await storefrontJob<{ found?: Array<{ orderId: string }> }>(
    services,
    '/internal/jobs/price-audit',
    'price audit',
  );
  return (body.found ?? []).map((order) => order.orderId);
}

export interface MispricedOrder {
  orderId: string;
  chargedCents: number;
  catalogueCents: number;
}

/**
 * Storefront's repair of orders charged a stale price: those charged less are honoured (recorded
 * so); those charged more are listed as owed a refund. `dryRun` lists without recording.
 */
export async function repairStalePrices(
  services: ServiceProcess[],
  dryRun: boolean,
): Promise<{ honoured: MispricedOrder[]; refundOwed: MispricedOrder[] }> {
  return storefrontJob(services, `/internal/repairs/stale-prices?dryRun=${dryRun}`, 'stale-price repair');
}

export type ProviderName = 'primary' | 'backup';

export interface ProviderCharge {
  reference: string;
  orderId: string;
  amountCents: number;
  customer: string;
}

/** What came back from the provider: a charge, a refusal, or no usable answer at all. */
export type ProviderResult =
  | { outcome: 'charged'; chargeId: string }
  | { outcome: 'declined'; reason: string }
  | { outcome: 'unavailable'; reason: string };

/**
 * One charge request to one provider instance. "unavailable" (no answer, a dropped connection, a
 * 5xx) is the dangerous case: the card may or may not have been charged.
 */
export async function chargeAt(baseUrl: string, charge: ProviderCharge): Promise<ProviderResult> {
  let response: Response;
  try {
    response = await fetch(new URL('/charges', baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(charge),
    });
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause;
    return {
      outcome: 'unavailable',
      reason: `no answer from provider: ${cause?.message ?? (error as Error).message}`,
    };
  }
  const body = (await response.json().catch(() => ({}))) as { chargeId?: string; detail?: string };
  if (response.status === 201 && body.chargeId) return { outcome: 'charged', chargeId: body.chargeId };
  if (response.status >= 500)
    return { outcome: 'unavailable', reason: `provider answered ${response.status}` };
  return { outcome: 'declined', reason: body.detail ?? `provider answered ${response.status}` };
}

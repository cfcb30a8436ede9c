import { postJson, UnreachableError } from '@incident-lab/http-client';

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
  try {
    const { status, body } = await postJson(new URL('/charges', baseUrl), charge);
    if (status === 201 && typeof body.chargeId === 'string')
      return { outcome: 'charged', chargeId: body.chargeId };
    if (status >= 500) return { outcome: 'unavailable', reason: `provider answered ${status}` };
    return { outcome: 'declined', reason: String(body.detail ?? `provider answered ${status}`) };
  } catch (error) {
    if (!(error instanceof UnreachableError)) throw error;
    return { outcome: 'unavailable', reason: error.message };
  }
}

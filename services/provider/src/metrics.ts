import { getMeter } from '@incident-lab/telemetry';

export function providerMetrics() {
  return {
    charges: getMeter('provider').createCounter('provider_charge_requests', {
      description:
        'Charge requests at the provider by instance and outcome (charged, outage, error, charged-response-dropped).',
    }),
  };
}

export type ProviderMetrics = ReturnType<typeof providerMetrics>;

import { getMeter } from '@incident-lab/telemetry';

export function providerMetrics() {
  return {
    charges: getMeter('provider').createCounter('provider_charge_requests', {
      description:
        'Charge requests at the provider by instance and outcome: charged (a new charge), replayed (a reference already charged), response-dropped, outage, error, reference-reused.',
    }),
    refunds: getMeter('provider').createCounter('provider_refunds', {
      description: 'Refund requests at the provider by instance.',
    }),
  };
}

export type ProviderMetrics = ReturnType<typeof providerMetrics>;

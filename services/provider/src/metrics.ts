import { getMeter } from '@incident-lab/telemetry';

/**
 * The label is `provider`, not `instance`: Prometheus sets `instance` to the scrape target and would
 * rename this one to `exported_instance`.
 */
export function providerMetrics() {
  return {
    charges: getMeter('provider').createCounter('provider_charge_requests', {
      description:
        'Charge requests at the provider by provider (primary, backup) and outcome: charged (a new charge), replayed (a reference already charged), response-dropped, outage, error, reference-reused.',
    }),
    refunds: getMeter('provider').createCounter('provider_refunds', {
      description: 'Refund requests at the provider by provider (primary, backup).',
    }),
  };
}

export type ProviderMetrics = ReturnType<typeof providerMetrics>;

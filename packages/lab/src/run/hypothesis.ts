import { type Probe, resultKey } from '@incident-lab/scenarios';
import type { Audit } from '../check/invariants';
import type { EndpointSummary, PhaseReport, ProbeResult } from '../report/report';
import { formatValue } from '../report/report-text';

/** Reads each probe's value from the phase and compares it with its tolerance. */
export function evaluateHypothesis(
  probes: Probe[],
  endpoints: PhaseReport['endpoints'],
  audit: Audit,
): PhaseReport['hypothesis'] {
  const results: ProbeResult[] = probes.map((probe) => {
    const target = probe.target;
    const endpoint =
      'endpoint' in target
        ? (endpoints[resultKey(target.endpoint, target.act)] as EndpointSummary | undefined)
        : undefined;
    let value: number;
    switch (target.kind) {
      case 'latency':
        value =
          endpoint?.[target.of === 'first-answer' ? 'firstAnswerMs' : 'latencyMs'][target.percentile] ??
          Number.POSITIVE_INFINITY;
        break;
      case 'errorRate':
        value = endpoint ? endpoint.errorRate + endpoint.timeoutRate : 1;
        break;
      case 'successRate':
        value = endpoint?.successRate ?? 0;
        break;
      case 'invariant':
        value = audit.counts[target.name];
        break;
    }
    const atLeast = target.kind === 'successRate';
    const unit = target.kind === 'latency' ? 'ms' : target.kind === 'invariant' ? 'count' : 'share';
    return {
      name: probe.name,
      value: Math.round(value * 1000) / 1000,
      unit,
      tolerance: `${atLeast ? '≥' : '≤'} ${formatValue(probe.tolerance, unit)}`,
      passed: atLeast ? value >= probe.tolerance : value <= probe.tolerance,
      ...(probe.headline ? { headline: probe.headline } : {}),
    };
  });
  return { passed: results.every((result) => result.passed), probes: results };
}

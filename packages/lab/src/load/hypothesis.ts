import { holds, type Probe, resultKey } from '@incident-lab/scenarios';
import type { Audit } from '../audit/invariants';
import type { EndpointSummary, PhaseReport, ProbeResult } from '../report/report';
import { formatValue } from '../report/report-text';

/**
 * Reads each probe's value from the phase (or a drill's window) and judges it against the probe's
 * limit. `counterIncrease` answers `counter` measures: how much a service's counter went up.
 */
export function evaluateHypothesis(
  probes: Probe[],
  endpoints: PhaseReport['endpoints'],
  audit: Pick<Audit, 'counts'>,
  counterIncrease?: (measure: Extract<Probe['measure'], { kind: 'counter' }>) => number,
): PhaseReport['hypothesis'] {
  const results: ProbeResult[] = probes.map((probe) => {
    const target = probe.measure;
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
      case 'counter':
        if (!counterIncrease) throw new Error(`${probe.name}: no counters were read for it`);
        value = counterIncrease(target);
        break;
      default:
        throw new Error(`${probe.name}: lab run does not measure ${target.kind} (a lab chaos measure)`);
    }
    const atLeast = 'atLeast' in probe;
    const limit = 'atLeast' in probe ? probe.atLeast : probe.atMost;
    const unit =
      target.kind === 'latency'
        ? 'ms'
        : target.kind === 'invariant' || target.kind === 'counter'
          ? 'count'
          : 'share';
    return {
      name: probe.name,
      value: Math.round(value * 1000) / 1000,
      unit,
      tolerance: `${atLeast ? '≥' : '≤'} ${formatValue(limit, unit)}`,
      passed: holds(probe, value),
      ...(probe.headline ? { headline: probe.headline } : {}),
    };
  });
  return { passed: results.every((result) => result.passed), probes: results };
}

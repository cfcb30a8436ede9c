export { type CapacityExperiment, capacity } from './capacity';
export {
  type CarefulClient,
  type ChaosExperiment,
  type ChaosFault,
  chaos,
} from './chaos';
export {
  DRILL_CAUSES,
  DRILL_FAULTS,
  DRILL_LOAD,
  type DrillCause,
  type DrillFault,
  FIX_OWNER,
  NOT_DRILLED,
} from './drill-catalogue';
export { CASCADING_FIXES, EVERY_FIX, PARTIAL_FIXES, SILENT_FIXES } from './fixes';
export { auditProbe } from './probes';
export {
  type Act,
  type ClientBehaviour,
  ENDPOINT_GROUPS,
  type EndpointGroup,
  holds,
  type InvariantName,
  type Load,
  type Measure,
  type Probe,
  resultKey,
  type Scenario,
  type ShopProcess,
} from './scenario';
export { SCENARIOS } from './scenarios';
export {
  type Arrival,
  arrivals,
  customerEmail,
  customerOf,
  loadAccounts,
  SHOP_ACCOUNTS,
  SHOP_PRODUCTS,
  type ShopRequest,
  scaleRates,
  seededRandom,
  shopHeaders,
  shopRequest,
} from './shop-load';

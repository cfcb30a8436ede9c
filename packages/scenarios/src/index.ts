export {
  type CarefulClient,
  type ChaosExperiment,
  type ChaosFault,
  type ChaosProbe,
  chaos,
  type ShopProcess,
} from './chaos';
export {
  type Act,
  type ClientBehaviour,
  ENDPOINT_GROUPS,
  type EndpointGroup,
  type InvariantName,
  type Load,
  type Probe,
  type ProbeTarget,
  resultKey,
  type Scenario,
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

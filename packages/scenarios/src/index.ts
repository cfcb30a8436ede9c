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

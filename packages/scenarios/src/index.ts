export {
  type ClientBehaviour,
  ENDPOINT_GROUPS,
  type EndpointGroup,
  type InvariantName,
  type Load,
  type Probe,
  type ProbeTarget,
  type Scenario,
} from './scenario';
export { SCENARIOS } from './scenarios';

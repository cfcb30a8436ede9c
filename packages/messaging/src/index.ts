export {
  deleteTopology,
  type ParkedMessage,
  parkedMessages,
  purgeQueues,
  queueDepths,
  sweepParked,
} from './admin';
export { Broker, type BrokerOptions, type Delivery, type Handler, SimulatedCrash } from './broker';
export { type BrokerConnection, closeLabConnections, labConnections, restartBroker } from './connections';
export { type Envelope, envelope } from './envelope';
export {
  type Destination,
  describeParked,
  type ParkedEntry,
  type ReplayOptions,
  type ReplayOutcome,
  type ReplayResult,
  replayParked,
} from './replay';
export { type QueueKey, type QueueSpec, type Topology, topology } from './topology';

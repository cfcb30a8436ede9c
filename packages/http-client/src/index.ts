export { internalAuth } from './internal-auth';
export { type JsonResponse, type PostOptions, postJson, UnreachableError } from './post-json';
export {
  BrokenCircuitError,
  type CircuitBreaker,
  createBreaker,
  isRetryable,
  ServerError,
  surelyNotProcessed,
} from './resilience';
export { RetryBudget } from './retry-budget';

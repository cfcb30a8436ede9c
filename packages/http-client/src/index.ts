export { internalAuth } from './internal-auth';
export { type JsonResponse, type PostOptions, postJson, UnreachableError } from './post-json';
export {
  BrokenCircuitError,
  createBreaker,
  isRetryable,
  type RetryingPolicy,
  type RetryMode,
  retryPolicy,
  ServerError,
  surelyNotProcessed,
} from './resilience';
export { RetryBudget } from './retry-budget';

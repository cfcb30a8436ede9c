/**
 * The header a caller sends on internal routes (payments, the providers, invoicing, the reconciler,
 * storefront's `/internal`): the lab's internal token as a bearer credential. service-kit's
 * `requireInternalToken` checks it.
 */
export function internalAuth(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

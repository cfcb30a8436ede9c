/**
 * The Redis key storefront's catalogue cache lives under: one hash per namespace, a field per product
 * (its JSON with the version of its price). Storefront owns every key under `<namespace>:storefront:`;
 * the lab CLI deletes this one when it resets a shop.
 */
export function catalogueCacheKey(namespace: string): string {
  return `${namespace}:storefront:catalogue`;
}

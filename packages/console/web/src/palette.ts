/**
 * Okabe–Ito colours, which readers with the common colour-vision deficiencies can tell apart.
 * Broken is vermillion and dashed, fixed is blue and solid: colour is never the only difference.
 */
export const BROKEN = '#D55E00';
export const FIXED = '#0072B2';
export const NEUTRAL = '#555555';
export const TONE: Record<string, { colour: string; dash?: number[] }> = {
  bad: { colour: BROKEN, dash: [6, 3] },
  good: { colour: FIXED },
  neutral: { colour: NEUTRAL },
};

const SERVICE_COLOURS = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#000000',
];
const assigned = new Map<string, string>();

/** One colour per service, the same in every view of the page. */
export function serviceColour(service: string): string {
  const order = ['storefront', 'payments', 'provider-primary', 'provider-backup', 'invoicing', 'reconciler'];
  const known = order.indexOf(service);
  if (known >= 0) return SERVICE_COLOURS[known] as string;
  if (!assigned.has(service)) assigned.set(service, SERVICE_COLOURS[(6 + assigned.size) % 8] as string);
  return assigned.get(service) as string;
}

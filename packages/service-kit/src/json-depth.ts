/** The deepest JSON body any service reads; deeper ones are refused before they are parsed. */
export const MAX_JSON_DEPTH = 32;

/**
 * How deeply a JSON text nests objects and arrays, counted on the raw bytes (brackets inside
 * strings do not count). Valid JSON under the size limit can still nest thousands of levels, and
 * code that walks it recursively (hashing a body, say) then runs out of stack.
 */
export function jsonDepth(text: Buffer): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const byte = text[i];
    if (inString) {
      if (byte === 0x5c)
        i++; // backslash: skip the escaped character
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (byte === 0x7d || byte === 0x5d) depth--;
  }
  return deepest;
}

/** express.json's `verify`: a body nested deeper than `MAX_JSON_DEPTH` is refused with 400. */
export function refuseDeepJson(_request: unknown, _response: unknown, body: Buffer): void {
  if (jsonDepth(body) > MAX_JSON_DEPTH) {
    throw Object.assign(new Error(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), {
      status: 400,
      type: 'entity.too.deep',
    });
  }
}

/** The longest key accepted, after unquoting. */
export const MAX_KEY_LENGTH = 200;

export type ParsedKey = { ok: true; key: string } | { ok: false; reason: string };

const PRINTABLE = /^[\x20-\x7e]+$/;
const BARE = /^[\x21-\x7e]+$/;

/**
 * Reads an `Idempotency-Key` header. The IETF httpapi draft defines it as an RFC 8941 sf-string
 * (`"8e03978e-…"`); most clients send the bare value (`8e03978e-…`). Both mean the same key, so both
 * parse to the same value. Keys are printable ASCII and compared exactly, letter case included.
 */
export function parseIdempotencyKey(header: string): ParsedKey {
  const value = header.trim();
  if (value.startsWith('"')) return unquote(value);
  if (value.length === 0) return { ok: false, reason: 'the key is empty' };
  if (!BARE.test(value))
    return {
      ok: false,
      reason: 'a bare key is printable ASCII without spaces; quote it as an sf-string to use spaces',
    };
  if (value.includes('"') || value.includes('\\'))
    return { ok: false, reason: 'a bare key cannot hold " or \\; send it as a quoted sf-string' };
  return withinLimit(value);
}

/** RFC 8941 §4.2.5: `"` chars `"`, where `\"` and `\\` are the only escapes. */
function unquote(value: string): ParsedKey {
  let key = '';
  for (let index = 1; index < value.length; index++) {
    const char = value[index] as string;
    if (char === '\\') {
      const next = value[++index];
      if (next !== '"' && next !== '\\')
        return { ok: false, reason: 'in a quoted key, \\ may only escape " or \\' };
      key += next;
    } else if (char === '"') {
      if (index !== value.length - 1) return { ok: false, reason: 'text follows the closing quote' };
      if (key.length === 0) return { ok: false, reason: 'the key is empty' };
      if (!PRINTABLE.test(key)) return { ok: false, reason: 'a key is printable ASCII only' };
      return withinLimit(key);
    } else {
      key += char;
    }
  }
  return { ok: false, reason: 'the quoted key has no closing quote' };
}

function withinLimit(key: string): ParsedKey {
  if (!PRINTABLE.test(key)) return { ok: false, reason: 'a key is printable ASCII only' };
  return key.length > MAX_KEY_LENGTH
    ? { ok: false, reason: `the key is longer than ${MAX_KEY_LENGTH} characters` }
    : { ok: true, key };
}

import { asResend } from '@incident-lab/telemetry';

/** No usable answer came back: refused, reset, timed out. The request may still have been processed. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or an empty object when the body was not JSON. */
  body: Record<string, unknown>;
}

export interface PostOptions {
  /** Give up after this long; without it a call waits as long as the server does. */
  timeoutMs?: number;
  /** Extra request headers, such as `Idempotency-Key`. */
  headers?: Record<string, string>;
  /** This call resends an earlier one (0: first try): its CLIENT span gets `http.request.resend_count`. */
  resendCount?: number;
}

/**
 * POSTs JSON and reads JSON back. Every answer, 4xx and 5xx included, is returned; only the absence
 * of an answer throws, as `UnreachableError` with the network error's own words.
 */
export async function postJson(
  url: string | URL,
  body: unknown,
  options: PostOptions = {},
): Promise<JsonResponse> {
  let response: Response;
  try {
    response = await asResend(options.resendCount ?? 0, () =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body: JSON.stringify(body),
        signal: options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs),
      }),
    );
  } catch (error) {
    const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new UnreachableError(`no answer from ${new URL(url).host}: ${reason}`, { cause: error });
  }
  const text = await response.text().catch(() => '');
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = {};
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

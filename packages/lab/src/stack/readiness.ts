/** True when the service answers `/health/ready` with 200 (its MySQL and RabbitMQ answer too). */
export async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

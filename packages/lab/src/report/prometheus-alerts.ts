/** Names of the alerts firing in Prometheus, or undefined when it is not configured or not answering. */
export async function firingAlerts(prometheusUrl: string | undefined): Promise<string[] | undefined> {
  if (!prometheusUrl) return undefined;
  try {
    const response = await fetch(`${prometheusUrl.replace(/\/$/, '')}/api/v1/alerts`, {
      signal: AbortSignal.timeout(2_000),
    });
    const body = (await response.json()) as {
      data: { alerts: Array<{ state: string; labels: { alertname: string } }> };
    };
    return [
      ...new Set(
        body.data.alerts.filter((alert) => alert.state === 'firing').map((alert) => alert.labels.alertname),
      ),
    ];
  } catch {
    return undefined;
  }
}

import { setFlags, shippedVariants } from '@incident-lab/flags';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue, startTestLab, type TestLab, waitFor } from './support/test-lab';

let lab: TestLab;
let token: string;

async function json(url: string, init?: RequestInit) {
  const response = await fetch(url, init);
  return { response, body: (await response.json()) as Record<string, unknown> };
}

function placeOrder() {
  return json(`${lab.url('storefront')}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      items: [
        { productId: 1, quantity: 2 },
        { productId: 3, quantity: 1 },
      ],
    }),
  });
}

async function ledger(instance: 'primary' | 'backup', orderId: string) {
  const { body } = await json(`${lab.url(`provider-${instance}`)}/charges?orderId=${orderId}`, {
    headers: lab.internal,
  });
  return body.charges as Array<{ id: string; reference: string; amountCents: number }>;
}

async function applied(service: Parameters<TestLab['url']>[0]) {
  return (await json(`${lab.url(service)}/health/flags`)).body.flags as Record<string, string>;
}

async function metrics(service: Parameters<TestLab['url']>[0]) {
  return (await fetch(`${lab.url(service)}/metrics`)).text();
}

describe('the shop, end to end on real MySQL and RabbitMQ', () => {
  beforeAll(async () => {
    // Info logs on: the test follows the checkout's log records too.
    lab = await startTestLab(4100, { logLevel: 'info' });
    const login = await json(`${lab.url('storefront')}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'user1@shop.test', password: 'lab-password' }),
    });
    expect(login.response.status).toBe(200);
    token = login.body.token as string;
  });

  afterAll(() => lab?.stop());

  it('checkout pays the order once, invoices it, and makes one trace across all four services', async () => {
    // Two fixes on (neither changes this checkout's path), so the trace has flags to name.
    await setFlags(lab.options.flagFile, { 'db-query-timeout': 'on', 'invoicing-dead-letter': 'on' });
    await waitFor('storefront and invoicing to apply them', async () => {
      const [storefront, invoicing] = [await applied('storefront'), await applied('invoicing')];
      return storefront['db-query-timeout'] === 'on' && invoicing['invoicing-dead-letter'] === 'on'
        ? true
        : undefined;
    });
    const before = {
      storefront: await metrics('storefront'),
      payments: await metrics('payments'),
      invoicing: await metrics('invoicing'),
    };
    const { response, body } = await placeOrder();
    expect(response.status).toBe(201);
    expect(body.status).toBe('PAID');
    const orderId = body.orderId as string;
    const traceId = response.headers.get('x-trace-id') as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const order = await json(`${lab.url('storefront')}/api/orders/${orderId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(order.body).toMatchObject({ id: orderId, status: 'PAID', totalCents: 2 * 1400 + 400 });

    const payment = await json(`${lab.url('payments')}/payments/${body.paymentId}`, {
      headers: lab.internal,
    });
    expect(payment.body).toMatchObject({ orderId, status: 'COMPLETED', amountCents: 3200 });

    const charges = await ledger('primary', orderId);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ id: payment.body.providerChargeId, amountCents: 3200 });
    expect(await ledger('backup', orderId)).toHaveLength(0);

    const invoices = await waitFor('the invoice', async () => {
      const { body: found } = await json(`${lab.url('invoicing')}/invoices?orderId=${orderId}`, {
        headers: lab.internal,
      });
      const list = found.invoices as unknown[];
      return list.length > 0 ? list : undefined;
    });
    expect(invoices).toHaveLength(1);

    const services = await waitFor('spans from every service in the checkout trace', async () => {
      const seen = new Set(lab.receiver.trace(traceId).map((span) => span.service));
      return ['storefront', 'payments', 'provider-primary', 'invoicing'].every((name) => seen.has(name))
        ? seen
        : undefined;
    });
    expect([...services]).toEqual(
      expect.arrayContaining(['storefront', 'payments', 'provider-primary', 'invoicing']),
    );
    const spans = lab.receiver.trace(traceId);
    const publish = spans.find((span) => span.service === 'payments' && span.kind === 'producer');
    const consume = spans.find((span) => span.service === 'invoicing' && span.kind === 'consumer');
    expect(publish, 'payments publishes payment.completed in the trace').toBeDefined();
    expect(consume?.parentSpanId, 'the invoicing consume span hangs under the publish span').toBe(
      publish?.spanId,
    );
    // Which fixes were on is on the trace: the span a service's work starts in (checkout's server
    // span, invoicing's consume span) carries one `feature_flag.evaluation` event per flag the
    // service applies that is not as shipped, with the variant it applied — the same as its
    // /health/flags says.
    const variantsOn = (span: (typeof spans)[number] | undefined) =>
      Object.fromEntries(
        (span?.events ?? [])
          .filter((event) => event.name === 'feature_flag.evaluation')
          .map((event) => [
            event.attributes['feature_flag.key'],
            event.attributes['feature_flag.result.variant'],
          ]),
      );
    const shipped = shippedVariants();
    const notAsShipped = (flags: Record<string, string>) =>
      Object.fromEntries(Object.entries(flags).filter(([key, variant]) => shipped[key] !== variant));
    const checkoutSpan = spans.find((span) => span.service === 'storefront' && span.kind === 'server');
    expect(variantsOn(checkoutSpan)).toEqual(notAsShipped(await applied('storefront')));
    expect(variantsOn(checkoutSpan)).toMatchObject({ 'db-query-timeout': 'on' });
    expect(variantsOn(consume)).toEqual({ 'invoicing-dead-letter': 'on' });
    await setFlags(lab.options.flagFile, shipped);
    expect([...lab.receiver.encodings], 'exported as the SDK does by default: http/protobuf').toEqual([
      'protobuf',
    ]);
    // The log lines leave over OTLP too, each with its trace id: a trace's story in words.
    const lines = await waitFor('the checkout’s log records over OTLP', async () => {
      const found = lab.receiver.logs.filter((log) => log.traceId === traceId);
      const services = new Set(found.map((log) => log.service));
      return ['storefront', 'payments', 'invoicing'].every((name) => services.has(name)) ? found : undefined;
    });
    expect(lines.map((log) => log.service)).toEqual(
      expect.arrayContaining(['storefront', 'payments', 'invoicing']),
    );

    const after = {
      storefront: await metrics('storefront'),
      payments: await metrics('payments'),
      invoicing: await metrics('invoicing'),
    };
    const delta = (service: keyof typeof before, name: string, labels: Record<string, string> = {}) =>
      metricValue(after[service], name, labels) - metricValue(before[service], name, labels);
    expect(delta('storefront', 'shop_orders_created_total')).toBe(1);
    expect(delta('payments', 'shop_payments_completed_total', { provider: 'primary' })).toBe(1);
    expect(delta('payments', 'shop_events_published_total', { type: 'payment.completed' })).toBe(1);
    expect(delta('invoicing', 'shop_invoices_created_total')).toBe(1);
  });

  it('applies a flag change live: with the provider down, checkout fails fast and nobody is charged', async () => {
    await setFlags(lab.options.flagFile, { 'provider-outage': 'on' });
    const failed = await waitFor('the outage flag to apply', async () => {
      const attempt = await placeOrder();
      return attempt.response.status === 402 ? attempt : undefined;
    });
    expect(failed.response.headers.get('content-type')).toContain('application/problem+json');
    expect(failed.body).toMatchObject({ type: '/problems/payment-failed', status: 402 });
    const orderId = String(failed.response.headers.get('location')).split('/').at(-1) as string;
    const order = await json(`${lab.url('storefront')}/api/orders/${orderId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(order.body.status).toBe('FAILED');
    expect(await ledger('primary', orderId)).toHaveLength(0);

    await setFlags(lab.options.flagFile, { 'provider-outage': 'off' });
    const recovered = await waitFor('the outage to end', async () => {
      const attempt = await placeOrder();
      return attempt.response.status === 201 ? attempt : undefined;
    });
    expect(recovered.body.status).toBe('PAID');
  });

  it('queues a charge while the provider is down, then charges it once and settles the order when it is back', async () => {
    await setFlags(lab.options.flagFile, {
      'provider-outage': 'on',
      'payments-queue-when-provider-down': 'on',
    });
    const queued = await waitFor('checkout to queue the charge', async () => {
      const attempt = await placeOrder();
      return attempt.response.status === 202 ? attempt : undefined;
    });
    expect(queued.body.status).toBe('PENDING');
    const orderId = queued.body.orderId as string;

    await setFlags(lab.options.flagFile, { 'provider-outage': 'off' });
    const order = await waitFor(
      'the worker to charge the queued payment and the event to settle the order',
      async () => {
        const { body } = await json(`${lab.url('storefront')}/api/orders/${orderId}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return body.status === 'PAID' ? body : undefined;
      },
      40_000,
    );
    expect(order.paymentId).toBe(queued.body.paymentId);
    expect(await ledger('primary', orderId)).toHaveLength(1);
    await waitFor('the invoice', async () => {
      const { body } = await json(`${lab.url('invoicing')}/invoices?orderId=${orderId}`, {
        headers: lab.internal,
      });
      return (body.invoices as unknown[]).length === 1 ? true : undefined;
    });
  });
});

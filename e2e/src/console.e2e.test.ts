import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLab, type TestLab, waitFor } from './support/test-lab';

/** Screenshots of each view, kept as test artifacts (git-ignored) for a person to look at. */
const ARTIFACTS = path.resolve(__dirname, '../artifacts/console');

let lab: TestLab;
let browser: Browser;
let page: Page;

async function checkout(email: string): Promise<{ orderId: string; paymentId: string }> {
  const base = lab.url('storefront');
  const login = await fetch(`${base}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'lab-password' }),
  });
  const { token } = (await login.json()) as { token: string };
  const order = await fetch(`${base}/api/orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'idempotency-key': crypto.randomUUID(),
    },
    body: JSON.stringify({ items: [{ productId: 2, quantity: 1 }] }),
  });
  expect(order.status).toBe(201);
  return (await order.json()) as { orderId: string; paymentId: string };
}

async function shoot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Picks a variant in the flags view, as a learner would, and waits until every service applies it. */
async function setFlag(key: string, variant: string): Promise<void> {
  await page.goto(`${lab.console?.url}/#/flags`);
  await page.locator(`select[data-flag="${key}"]`).selectOption(variant);
  // The file holds the new variant, and every service reading the flag applies it.
  const row = page.locator(`tr[data-flag-row="${key}"][data-variant="${variant}"]`);
  await expect
    .poll(() => row.locator('td.applied').getAttribute('data-applied'), { timeout: 15_000 })
    .toBe('all');
}

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  lab = await startTestLab(4200, { console: true });
  // Chromium comes from the distribution (apt install chromium); .ci/run installs it.
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
});

describe('the lab console, driven in Chromium', () => {
  it('flips provider-outage on and shows every service applying it, then off again', async () => {
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await setFlag('provider-outage', 'on');
    const cell = await page.locator('tr[data-flag-row="provider-outage"] td.applied').textContent();
    expect(cell).toContain('provider-primary');
    expect(cell).toContain('provider-backup');
    await shoot('flags');
    await setFlag('provider-outage', 'off');
    // Offline: the page asks nothing of anyone but the console.
    expect(requests.filter((url) => !url.startsWith(lab.console?.url as string))).toEqual([]);
  });

  it('finds a checkout by its order id and draws its waterfall across four services, consume under publish', async () => {
    const { orderId } = await checkout('user1@shop.test');
    await page.goto(`${lab.console?.url}/#/traces`);
    await page.locator('input[name="attr"]').fill(`shop.order.id=${orderId}`);
    await page.getByRole('button', { name: 'Search' }).click();
    // Spans arrive in batches a few seconds after the request, and the root span (which ends
    // last) may come a batch after its children: until it does, the list names the trace by the
    // earliest span it has. Search again until the trace is named by its root.
    const result = page.locator('table.trace-list tbody tr a').first();
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Search' }).click();
          return (await result.count()) === 1 ? result.innerText() : '';
        },
        { timeout: 20_000, interval: 1_000 },
      )
      .toContain('POST /api/orders');
    await shoot('traces');
    await result.click();
    const services = async () =>
      new Set(
        await page
          .locator('.span-row[data-service]')
          .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-service'))),
      );
    await expect
      .poll(
        async () => {
          await page.reload();
          return [...(await services())].sort();
        },
        { timeout: 20_000, interval: 1_000 },
      )
      .toEqual(expect.arrayContaining(['invoicing', 'payments', 'provider-primary', 'storefront']));
    const publish = page.locator('.span-row[data-service="payments"][data-kind="producer"]');
    const consume = page.locator('.span-row[data-service="invoicing"][data-kind="consumer"]');
    expect(await consume.getAttribute('data-parent')).toBe(await publish.getAttribute('data-span-id'));
    // The pool wait is drawn as waiting, and the checkout's log lines sit under the waterfall.
    expect(await page.locator('.bar.wait').count()).toBeGreaterThan(0);
    // Log records arrive in batches too (a second apart, spans 0.2 s): the view shows what has arrived
    // when it opens, and no table at all while nothing has.
    await expect
      .poll(
        async () => {
          await page.reload();
          return page
            .locator('table.logs')
            .innerText({ timeout: 500 })
            .catch(() => '');
        },
        { timeout: 20_000, interval: 1_000 },
      )
      .toContain('invoice created');
    await consume.click();
    expect(await page.locator('.details').innerText()).toContain(orderId);
    await shoot('waterfall');
  });

  it('leads from the audit to a lab 3 swallowed error: the finding, its trace, the debug line nobody read', async () => {
    await setFlag('invoicing-template-bug', 'on');
    // The template cannot render customers whose number ends in 7.
    const { paymentId } = await checkout('user7@shop.test');
    await setFlag('invoicing-template-bug', 'off');
    await page.goto(`${lab.console?.url}/#/runs`);
    await page.getByRole('button', { name: 'Run lab check' }).click();
    const finding = page.locator(`li[data-invariant="paymentsWithoutInvoice"] a.finding-id`);
    await expect.poll(() => finding.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await shoot('audit');
    await finding.first().click();
    const result = page.locator('table.trace-list tbody tr a').first();
    await expect
      .poll(
        async () => {
          await page.reload();
          return result.count();
        },
        { timeout: 20_000, interval: 1_000 },
      )
      .toBe(1);
    await result.click();
    // The console takes log records only over OTLP: this line crossed it with its trace id.
    const logs = page.locator('table.logs');
    await expect.poll(() => logs.innerText(), { timeout: 20_000 }).toContain('could not invoice payment');
    expect(await logs.innerText()).toContain(paymentId);
    expect(await logs.innerText()).toContain('DEBUG');
    await shoot('swallowed-error');
  });

  it('starts a short lab run from the page, follows it, and opens its broken/fixed pair side by side', async () => {
    await page.goto(`${lab.console?.url}/#/runs`);
    await page.getByLabel('lab to run').selectOption('silent');
    await page.getByLabel('seconds per act').fill('3');
    await page.getByRole('button', { name: 'Start lab run' }).click();
    const output = page.locator('pre.run-output');
    await expect.poll(() => output.innerText(), { timeout: 20_000 }).toContain('phase broken');
    await expect
      .poll(() => page.locator('p.message').innerText(), { timeout: 150_000, interval: 2_000 })
      .toContain('finished');
    await shoot('runs');
    const compare = page.locator('table.runs a', { hasText: 'compare checkout' });
    await waitFor(
      'the run in the report list',
      async () => ((await compare.count()) > 0 ? true : undefined),
      10_000,
    );
    await compare.first().click();
    await expect
      .poll(() => page.locator('.compare-row[data-key]').count(), { timeout: 10_000 })
      .toBeGreaterThan(3);
    const first = page.locator('.compare-row[data-key]').first();
    expect(await first.getAttribute('data-key')).toBe('storefront POST /api/orders');
    expect(await first.locator('.track:not(.missing)').count()).toBe(2);
    await shoot('compare');
  }, 200_000);
});

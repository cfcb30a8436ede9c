/**
 * The few charts that tell each lab's story, read from the services' `/metrics` every second.
 * Each series names its metric and labels as the services export them (the same names the Grafana
 * dashboards and alerts use), and how to read it: a counter as a rate per second, a gauge as it is,
 * a latency histogram as its p95 over the last second.
 */
export interface SeriesSpec {
  label: string;
  metric: string;
  read: 'rate' | 'gauge' | 'p95-ms';
  /**
   * Only samples with these label values (`{ns}` is the lab's namespace; a value ending in `*`
   * matches by prefix, so `5*` is every 5xx status); all are summed otherwise.
   */
  labels?: Record<string, string>;
  /** Only this service's scrape. */
  service?: string;
  /** The role the series plays in the broken/fixed palette: `bad` series are what a fix removes. */
  tone?: 'bad' | 'good' | 'neutral';
}

export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  series: SeriesSpec[];
}

/** Prometheus' firing alerts, counted: the console reads them when a Prometheus is configured. */
export const FIRING_ALERTS = 'ALERTS:firing';

export const LAB_CHARTS: Record<string, ChartSpec[]> = {
  cascading: [
    {
      id: 'login-p95',
      title: 'Login p95',
      unit: 'ms',
      series: [
        {
          label: 'POST /api/login p95',
          metric: 'http_server_request_duration',
          read: 'p95-ms',
          labels: { http_route: '/api/login' },
          service: 'storefront',
          tone: 'bad',
        },
      ],
    },
    {
      id: 'pool',
      title: "Storefront's shared pool",
      unit: 'connections / requests',
      series: [
        {
          label: 'in use',
          metric: 'db_client_connection_count',
          read: 'gauge',
          labels: { db_client_connection_pool_name: 'shared', db_client_connection_state: 'used' },
          service: 'storefront',
          tone: 'neutral',
        },
        {
          label: 'waiting',
          metric: 'db_client_connection_pending_requests',
          read: 'gauge',
          labels: { db_client_connection_pool_name: 'shared' },
          service: 'storefront',
          tone: 'bad',
        },
      ],
    },
    {
      id: 'shed-retries',
      title: 'Shed requests and retries',
      unit: 'per second',
      series: [
        {
          label: 'shed (refused a connection)',
          metric: 'shop_db_pool_refused_requests_total',
          read: 'rate',
          tone: 'good',
        },
        {
          label: 'retries',
          metric: 'shop_http_client_retries_total',
          read: 'rate',
          labels: { outcome: 'retried' },
          tone: 'bad',
        },
      ],
    },
    {
      id: 'breaker',
      title: 'Circuit breaker on provider-primary',
      unit: '1 while in the state',
      series: [
        {
          label: 'open',
          metric: 'shop_circuit_breaker_state',
          read: 'gauge',
          labels: { breaker: 'provider-primary', state: 'open' },
          service: 'payments',
          tone: 'bad',
        },
        {
          label: 'half-open',
          metric: 'shop_circuit_breaker_state',
          read: 'gauge',
          labels: { breaker: 'provider-primary', state: 'half-open' },
          service: 'payments',
          tone: 'neutral',
        },
      ],
    },
  ],
  partial: [
    {
      id: 'charges-orders',
      title: 'Charges vs orders',
      unit: 'per second',
      series: [
        { label: 'orders created', metric: 'shop_orders_created_total', read: 'rate', tone: 'neutral' },
        {
          label: 'new charges at the provider',
          metric: 'provider_charge_requests_total',
          read: 'rate',
          labels: { outcome: 'charged' },
          tone: 'bad',
        },
      ],
    },
    {
      id: 'replays',
      title: 'Replays and redeliveries',
      unit: 'per second',
      series: [
        {
          label: 'idempotent replays',
          metric: 'shop_idempotency_requests_total',
          read: 'rate',
          labels: { outcome: 'replayed' },
          tone: 'good',
        },
        { label: 'redeliveries', metric: 'shop_messages_redelivered_total', read: 'rate', tone: 'bad' },
        {
          label: 'duplicates skipped',
          metric: 'shop_payments_deduplicated_total',
          read: 'rate',
          tone: 'good',
        },
      ],
    },
    {
      id: 'pending',
      title: 'Orders still PENDING',
      unit: 'orders',
      series: [
        {
          label: 'pending',
          metric: 'shop_orders_pending',
          read: 'gauge',
          service: 'storefront',
          tone: 'bad',
        },
      ],
    },
  ],
  silent: [
    {
      // What the dashboard's RED row sees: checkouts answered, and not one of them a 5xx.
      id: 'checkout-red',
      title: 'Checkout: requests and 5xx answers',
      unit: 'per second',
      series: [
        {
          label: 'checkouts answered',
          metric: 'http_server_request_duration_count',
          read: 'rate',
          labels: { http_route: '/api/orders' },
          service: 'storefront',
          tone: 'neutral',
        },
        {
          label: '5xx answers',
          metric: 'http_server_request_duration_count',
          read: 'rate',
          labels: { http_route: '/api/orders', http_response_status_code: '5*' },
          service: 'storefront',
          tone: 'bad',
        },
      ],
    },
    {
      // The article's relation: orders against payments; the gap is orders nobody will pay.
      id: 'orders-payments',
      title: 'Orders vs payments, and abandoned',
      unit: 'per second',
      series: [
        { label: 'orders created', metric: 'shop_orders_created_total', read: 'rate', tone: 'neutral' },
        {
          label: 'payments completed',
          metric: 'shop_payments_completed_total',
          read: 'rate',
          tone: 'good',
        },
        { label: 'orders abandoned', metric: 'shop_payments_abandoned_total', read: 'rate', tone: 'bad' },
      ],
    },
    {
      id: 'payments-invoices',
      title: 'Payments vs invoices',
      unit: 'per second',
      series: [
        {
          label: 'payments completed',
          metric: 'shop_payments_completed_total',
          read: 'rate',
          tone: 'neutral',
        },
        { label: 'invoices created', metric: 'shop_invoices_created_total', read: 'rate', tone: 'good' },
      ],
    },
    {
      // The catalogue cache: Redis refusing storefront's writes shows on /metrics whatever the code
      // does with the refusal (the broken shop swallows it).
      id: 'cache-writes',
      title: "Storefront's Redis calls, and those that failed",
      unit: 'per second',
      series: [
        {
          label: 'Redis calls',
          metric: 'db_client_operation_duration_count',
          read: 'rate',
          labels: { db_system_name: 'redis' },
          service: 'storefront',
          tone: 'neutral',
        },
        {
          label: 'failed',
          metric: 'db_client_operation_duration_count',
          read: 'rate',
          labels: { db_system_name: 'redis', error_type: '*' },
          service: 'storefront',
          tone: 'bad',
        },
      ],
    },
    {
      // What it cost: paid orders the price audit found charged a price the catalogue no longer had.
      id: 'stale-prices',
      title: 'Orders charged an old price',
      unit: 'per second',
      series: [
        {
          label: 'orders charged an old price',
          metric: 'shop_orders_mispriced_total',
          read: 'rate',
          service: 'storefront',
          tone: 'bad',
        },
      ],
    },
    {
      id: 'parked',
      title: 'Dead-lettered and unroutable',
      unit: 'messages',
      series: [
        {
          label: 'on the dead-letter queue',
          metric: 'shop_queue_messages',
          read: 'gauge',
          labels: { queue: '{ns}.dead-letter' },
          service: 'invoicing',
          tone: 'bad',
        },
        { label: 'unroutable events', metric: 'shop_events_unroutable_total', read: 'rate', tone: 'bad' },
      ],
    },
    {
      id: 'alerts',
      title: 'Without an invoice, and alerts firing',
      unit: 'payments / alerts',
      series: [
        {
          label: 'payments without invoice',
          metric: 'shop_payments_without_invoice',
          read: 'gauge',
          tone: 'bad',
        },
        { label: 'alerts firing (Prometheus)', metric: FIRING_ALERTS, read: 'gauge', tone: 'good' },
      ],
    },
  ],
};

/**
 * Query result shapes for the Hasura outlier benchmark: each makes "normal" rows as a live table's next
 * rows look (ids and timestamps move on, categories follow a skewed mix, amounts are log-normal) and two
 * planted outliers a person would call abnormal. Seeded, so a run can be repeated.
 */
import type { Random } from "../../../src/detectors/isolation-forest/index.js";

export type Row = Record<string, unknown>;

export interface QueryShape {
  name: string;
  query: string;
  /** Row number `i` of the table (0-based), normal. */
  normal(i: number, r: Random): Row;
  /** The planted outliers, derived from a normal row at position `i`. */
  outliers(i: number, r: Random): Row[];
}

function gaussian(r: Random): number {
  const u = Math.max(r.nextDouble(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
}

const logNormal = (r: Random, median: number, sigma: number) => median * Math.exp(sigma * gaussian(r));

/** Zipf-like pick: earlier entries are more common. */
function pick<T>(r: Random, values: readonly T[]): T {
  const weights = values.map((_, k) => 1 / (k + 1));
  let x = r.nextDouble() * weights.reduce((a, b) => a + b, 0);
  for (let k = 0; k < values.length; k++) {
    x -= weights[k]!;
    if (x <= 0) return values[k]!;
  }
  return values[values.length - 1]!;
}

const hex = (r: Random, n: number) => Array.from({ length: n }, () => r.nextInt(16).toString(16)).join("");
const START = Date.UTC(2025, 0, 6, 8);

const COUNTRIES = [
  "USA",
  "Canada",
  "France",
  "Brazil",
  "Germany",
  "United Kingdom",
  "Czech Republic",
  "Portugal",
  "India",
  "Chile",
  "Ireland",
  "Hungary",
  "Austria",
  "Finland",
  "Netherlands",
  "Norway",
  "Sweden",
  "Spain",
  "Poland",
  "Italy",
  "Denmark",
  "Belgium",
  "Australia",
  "Argentina",
];

export const invoices: QueryShape = {
  name: "invoices",
  query:
    "query Invoices { invoices(order_by: {invoiceDate: Desc}) { invoiceId customerId total billingCountry invoiceDate } }",
  normal: (i, r) => ({
    invoiceId: 1000 + i,
    customerId: 1 + r.nextInt(59),
    total: Math.round(logNormal(r, 6.5, 0.45) * 100) / 100,
    billingCountry: pick(r, COUNTRIES),
    invoiceDate: new Date(START + i * 3_600_000 * 7).toISOString().slice(0, 19),
  }),
  outliers: (i, r) => [
    { ...invoices.normal(i, r), total: 4875.5 },
    { ...invoices.normal(i + 1, r), billingCountry: "Narnia", total: 0.01 },
  ],
};

const STATUSES = ["delivered", "shipped", "paid", "pending", "cancelled", "refunded"];

export const orders: QueryShape = {
  name: "orders",
  query:
    "query Orders { orders { order_id status amount_cents items { sku qty } discount customer_email created_at } }",
  normal: (i, r) => ({
    order_id: `${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}`,
    status: pick(r, STATUSES),
    amount_cents: Math.round(logNormal(r, 4200, 0.6)),
    items: Array.from({ length: 1 + r.nextInt(5) }, () => ({
      sku: `SKU-${r.nextInt(900)}`,
      qty: 1 + r.nextInt(3),
    })),
    discount: Math.round(r.nextDouble() * 0.25 * 100) / 100,
    customer_email: `user${r.nextInt(100_000)}@example.com`,
    created_at: new Date(START + i * 600_000 + r.nextInt(600_000)).toISOString(),
  }),
  outliers: (i, r) => [
    { ...orders.normal(i, r), items: Array.from({ length: 80 }, (_, k) => ({ sku: `SKU-${k}`, qty: 9 })) },
    { ...orders.normal(i + 1, r), discount: 0.97, amount_cents: 12 },
  ],
};

const HOSTS = Array.from({ length: 12 }, (_, k) => `web-${String(k + 1).padStart(2, "0")}`);

export const requests: QueryShape = {
  name: "requests",
  query: "query Slow { http_requests { request_id host route status_code latency_ms bytes_sent timestamp } }",
  normal: (i, r) => ({
    request_id: hex(r, 16),
    host: pick(r, HOSTS),
    route: pick(r, ["/api/cart", "/api/items", "/api/login", "/api/search", "/health"]),
    status_code: pick(r, [200, 200, 200, 304, 404]),
    latency_ms: Math.round(logNormal(r, 85, 0.5)),
    bytes_sent: Math.round(logNormal(r, 14_000, 0.7)),
    timestamp: START + i * 1500 + r.nextInt(1500),
  }),
  outliers: (i, r) => [
    { ...requests.normal(i, r), latency_ms: 29_874 },
    { ...requests.normal(i + 1, r), status_code: 500, bytes_sent: 2_900_000 },
  ],
};

/** Shapes tuned on, and shapes only ever judged (never used while choosing defaults). */
export const TUNING_SHAPES: readonly QueryShape[] = [invoices];
export const JUDGING_SHAPES: readonly QueryShape[] = [orders, requests];
export const TUNING_SEEDS = [1, 2, 3] as const;
export const JUDGING_SEEDS = [101, 102, 103, 104, 105] as const;

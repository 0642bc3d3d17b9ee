/** Realistic DDN pre-response hook bodies (contracts §4.1): an invoices query over Chinook-like data. */
export const INVOICES_QUERY =
  "query RecentInvoices($limit: Int!) { invoices(limit: $limit, order_by: {invoiceDate: Desc}) { invoiceId customerId total billingCountry invoiceDate } }";

const COUNTRIES = ["USA", "Canada", "France", "Brazil", "Germany"];

export interface Invoice {
  invoiceId: number;
  customerId: number;
  total: number;
  billingCountry: string;
  invoiceDate: string;
}

/** Invoice `i`: small totals, a handful of countries, one invoice a day through 2024. */
export function invoice(i: number): Invoice {
  const day = new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 19);
  return {
    invoiceId: i,
    customerId: 1 + ((i * 7) % 59),
    total: Math.round((3.96 + (i % 9) * 0.99) * 100) / 100,
    billingCountry: COUNTRIES[i % COUNTRIES.length]!,
    invoiceDate: day,
  };
}

export function invoices(from: number, count: number): Invoice[] {
  return Array.from({ length: count }, (_, k) => invoice(from + k));
}

/** The exact body the engine sends (session, rawRequest with operationName, response.data). */
export function ddnBody(data: Record<string, unknown> | null, overrides: { query?: string | null } = {}) {
  return {
    session: { role: "user", variables: { "x-hasura-role": "user", "x-hasura-user-id": "7" } },
    rawRequest: {
      query: overrides.query === undefined ? INVOICES_QUERY : overrides.query,
      variables: { limit: 50 },
      operationName: "RecentInvoices",
    },
    response: { data },
  };
}

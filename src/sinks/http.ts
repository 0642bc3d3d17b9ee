import type { DeliveryOutcome } from "../core/sink.js";

export interface HttpResult {
  status: number;
  text: string;
}

/** Statuses worth another try: timeouts, rate limits and server errors. Other 4xx will not change. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** POSTs a body; network errors and timeouts come back as status 0 with the error text. */
export async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<HttpResult> {
  try {
    const res = await fetch(url, { method: "POST", body, headers, signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, text: await res.text().catch(() => "") };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { status: 0, text: cause ? `${cause}: ${(error as Error).message}` : (error as Error).message };
  }
}

/** The outcome of a plain HTTP delivery from its result. */
export function outcomeOf(result: HttpResult): DeliveryOutcome {
  if (result.status >= 200 && result.status < 300) return { ok: true };
  if (result.status === 0) return { ok: false, error: result.text, retryable: true };
  return {
    ok: false,
    error: `HTTP ${result.status}: ${result.text.slice(0, 300)}`,
    retryable: retryableStatus(result.status),
  };
}

/** `http://user:pass@host` → the URL without credentials and a Basic `Authorization` header (fetch refuses them). */
export function splitCredentials(raw: string): { url: string; authorization?: string } {
  const u = new URL(raw);
  if (!u.username && !u.password) return { url: u.toString() };
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64")}`;
  u.username = "";
  u.password = "";
  return { url: u.toString(), authorization };
}

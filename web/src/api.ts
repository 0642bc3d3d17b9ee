/** The API client: the token lives in sessionStorage (gone with the tab), and never goes in a URL. */

const TOKEN_KEY = "logwarden.token";

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** The server's error shape: `{error, message}` (docs/api.md). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Page<T> {
  items: T;
  nextCursor: string | null;
  /** `X-Total-Count`, when the route sends it (e.g. `with_total=true`). */
  total: number | null;
}

async function call(path: string, init: RequestInit = {}, token = session.token()): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (init.body) headers.set("content-type", "application/json");
  const res = await fetch(path, { ...init, headers });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
    if (res.status === 401) window.dispatchEvent(new Event("logwarden:unauthorized"));
    throw new ApiError(res.status, body.error ?? String(res.status), body.message ?? res.statusText);
  }
  return res;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await call(path, { signal })).json() as Promise<T>;
}

/** A list route with pages: the body plus `X-Next-Cursor` and `X-Total-Count`. */
export async function getPage<T>(path: string, signal?: AbortSignal): Promise<Page<T>> {
  const res = await call(path, { signal });
  const total = res.headers.get("x-total-count");
  return {
    items: (await res.json()) as T,
    nextCursor: res.headers.get("x-next-cursor"),
    total: total === null ? null : Number(total),
  };
}

export async function getText(path: string, signal?: AbortSignal): Promise<string> {
  return (await call(path, { signal })).text();
}

export async function send<T>(method: "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> {
  const res = await call(path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return (await res.json()) as T;
}

/** Checks a token before keeping it: a read route answers 401 to a bad one. */
export async function verifyToken(token: string): Promise<void> {
  await call("/api/v1/anomalies?limit=1", {}, token);
}

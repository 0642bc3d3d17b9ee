import { randomBytes } from "node:crypto";
import { ADMIN_TOKEN } from "../helpers/runtime.js";

/** One HTTP answer, as the matrices judge it. */
export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

export interface CredentialCase {
  name: string;
  headers: Record<string, string>;
  /** Statuses the case may get on a route that needs a credential (401 unless said). */
  refused?: readonly number[];
}

/** A stack frame, a source path or a dependency path: nothing internal may leave the server. */
export const INTERNALS = /\bat [\w.<>]+ \(|node_modules|\.[jt]s:\d+|\/src\//;

/** Why `answer` is not a proper refusal with `status`, or null when it is. */
export function refusalProblem(answer: Answer, statuses: readonly number[], method: string): string | null {
  if (!statuses.includes(answer.status))
    return `answered ${answer.status}, expected ${statuses.join(" or ")}`;
  if (method === "HEAD" || answer.status === 431) return null;
  if (!answer.contentType.startsWith("application/json")) return `${answer.status} is ${answer.contentType}`;
  if (INTERNALS.test(answer.body))
    return `${answer.status} body shows internals: ${answer.body.slice(0, 200)}`;
  const body = JSON.parse(answer.body) as { error?: unknown };
  if (typeof body.error !== "string")
    return `${answer.status} body has no error code: ${answer.body.slice(0, 200)}`;
  return null;
}

/** Credentials that must never let a caller in where one is needed; `revoked` is a revoked admin token. */
export function badCredentials(revoked: string): CredentialCase[] {
  return [
    { name: "no credential", headers: {} },
    { name: "`Bearer` alone", headers: { authorization: "Bearer" } },
    { name: "`Bearer ` with nothing after", headers: { authorization: "Bearer " } },
    { name: "Basic scheme", headers: { authorization: "Basic eHl6OnNlY3JldA==" } },
    { name: "lower-case scheme, valid token", headers: { authorization: `bearer ${ADMIN_TOKEN}` } },
    { name: "valid token without a scheme", headers: { authorization: ADMIN_TOKEN } },
    { name: "valid token twice", headers: { authorization: `Bearer ${ADMIN_TOKEN}, Bearer ${ADMIN_TOKEN}` } },
    { name: "8 KB token", headers: { authorization: `Bearer ${"A".repeat(8 * 1024)}` } },
    // Past Node's 16 KB header limit the HTTP parser answers 431 before the app sees the request.
    {
      name: "64 KB token",
      headers: { authorization: `Bearer ${"A".repeat(64 * 1024)}` },
      refused: [401, 431],
    },
    { name: "wrong token", headers: { authorization: `Bearer lw_${randomBytes(30).toString("base64url")}` } },
    { name: "revoked admin token", headers: { authorization: `Bearer ${revoked}` } },
    { name: "wrong hasura-m-auth", headers: { "hasura-m-auth": "not-the-engine-key" } },
  ];
}

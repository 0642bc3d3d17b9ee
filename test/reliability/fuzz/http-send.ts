import { request as httpRequest } from "node:http";
import type { HostileRequest } from "./hostile-requests.js";
import { toBytes } from "./json-text.js";

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** At most MAX_BODY_BYTES of the body (the rest is read and dropped). */
  body: Buffer;
  ms: number;
}

export type Outcome =
  | { kind: "answer"; answer: Answer }
  /** The server closed the connection without any answer (e.g. while a body it refused was still arriving). */
  | { kind: "reset"; error: string; ms: number }
  | { kind: "timeout"; ms: number };

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Sends one request over a fresh connection with node:http. The request line may carry bytes 0x80-0xff
 * (node:http writes it as latin1), headers are sent as given, and the body is written byte for byte.
 */
export function send(base: URL, req: HostileRequest, timeoutMs: number): Promise<Outcome> {
  const started = Date.now();
  const body = req.body ? toBytes(req.body) : undefined;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const headers: Record<string, string> = { ...req.headers, connection: "close" };
    if (body) headers["content-length"] = String(body.length);
    const client = httpRequest({
      host: base.hostname,
      port: base.port,
      method: req.method,
      path: req.url,
      headers,
      agent: false,
    });
    const timer = setTimeout(() => {
      client.destroy();
      finish({ kind: "timeout", ms: Date.now() - started });
    }, timeoutMs);
    client.on("response", (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on("data", (chunk: Buffer) => {
        if (kept < MAX_BODY_BYTES) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      });
      const done = () =>
        finish({
          kind: "answer",
          answer: {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES),
            ms: Date.now() - started,
          },
        });
      res.on("end", done);
      // A response cut after its head still counts as an answer: its status was sent.
      res.on("error", done);
      res.on("aborted", done);
    });
    client.on("error", (error) => finish({ kind: "reset", error: error.message, ms: Date.now() - started }));
    if (body) client.end(body);
    else client.end();
  });
}

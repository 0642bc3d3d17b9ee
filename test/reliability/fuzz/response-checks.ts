import type { HostileRequest } from "./hostile-requests.js";
import type { Answer } from "./http-send.js";

/**
 * What must never leave the server: stack frames, Node's internals, the checkout's paths, source positions,
 * raw database errors. The hostile values never contain any of these, so an echo cannot trip them.
 */
const LEAKS: [string, RegExp][] = [
  ["stack frame", /(^|\\n|\n)\s*at [\w$.<>[\] ]+ \(/],
  ["stack frame", /\bat (async )?[\w$.<>]+ \((file:|\/|node:)/],
  ["node internals", /node:internal|node_modules\//],
  ["internal path", /\/work\/|\/home\/|\/usr\/lib\/node|file:\/\/\//],
  ["source position", /\.(ts|js|mjs|cjs):\d+(:\d+)?/],
  [
    "database error",
    /SQLITE_[A-Z]+|SqliteError|fts5: syntax error|syntax error at or near|unterminated quoted string/,
  ],
];

/**
 * System 003's `POST /anomalies` answers 500 for a request that passed validation but has nothing to
 * analyse (contracts §4.3: "Keep these as 500 with this body"; §4.9.3: a query that does not parse).
 */
const CONTRACT_500_REASONS =
  /^(response\.data is missing or null|response\.data is not an object|rawRequest\.query is null|could not parse the query: )/;

/**
 * A 5xx the contracts prescribe: overload (503 with Retry-After), or one of system 003's. The latter come
 * after validation, and after the datasets were analysed and stored when the query does not parse (§4.4
 * step 3 before step 4): such a request was taken, not rejected.
 */
export function isContracted5xx(answer: Answer, operation: string): boolean {
  if (answer.status === 503 && answer.headers["retry-after"] !== undefined) return true;
  if (answer.status !== 500 || operation !== "POST /anomalies") return false;
  try {
    const body = JSON.parse(answer.body.toString("utf8")) as {
      error?: unknown;
      details?: unknown;
      status?: unknown;
    };
    return (
      body.error === "Internal server error" &&
      body.status === "error" &&
      typeof body.details === "string" &&
      CONTRACT_500_REASONS.test(body.details)
    );
  } catch {
    return false;
  }
}

/**
 * `POST /models/load` names the folder it looked in, resolved against the server's working directory (here
 * the checkout): the admin asked for that folder (any other caller is refused before), and the 200 answer's
 * `model_dir` is the same absolute path (contracts §3.3). That one path is not counted as a leak.
 */
const MODEL_FOLDER_MENTION =
  /(model directory not found: |cannot read model directory |no Logwarden models in |model_dir )[^"]*/g;

/** OTLP/HTTP answers a protobuf request's error as a protobuf `google.rpc.Status`, as the OTLP spec says. */
function isOtlpProtobufError(answer: Answer, req: HostileRequest): boolean {
  return (
    req.operation === "POST /v1/logs" &&
    /^application\/(x-)?protobuf/i.test(req.headers["content-type"] ?? "") &&
    String(answer.headers["content-type"] ?? "").startsWith("application/x-protobuf")
  );
}

/** Problems with one answer to `req`; an empty list means it is fine. */
export function checkAnswer(answer: Answer, req: HostileRequest): string[] {
  const problems: string[] = [];
  const { method, operation } = req;
  const text = answer.body.toString("utf8");
  if (answer.status >= 500 && !isContracted5xx(answer, operation))
    problems.push(`status ${answer.status}: ${text.slice(0, 200)}`);
  if (answer.status >= 400 && method !== "HEAD" && !isOtlpProtobufError(answer, req)) {
    const type = String(answer.headers["content-type"] ?? "");
    if (!/json/.test(type)) problems.push(`${answer.status} answered with content-type '${type}', not JSON`);
    else {
      try {
        JSON.parse(text);
      } catch {
        problems.push(`${answer.status} body is not JSON: ${text.slice(0, 120)}`);
      }
    }
  }
  // Static files (the API docs' JavaScript) may quote anything; answers that carry data or errors may not.
  const carriesData =
    answer.status >= 300 || /json|text\/plain/.test(String(answer.headers["content-type"] ?? ""));
  // Whatever the type: a traversal that reached /etc/passwd shows its first line.
  if (/root:[^:\n]*:0:0:/.test(text)) problems.push("/etc/passwd in the body: a path escaped its folder");
  const checked = operation === "POST /models/load" ? text.replace(MODEL_FOLDER_MENTION, "$1…") : text;
  for (const [what, pattern] of carriesData ? LEAKS : []) {
    const m = pattern.exec(checked);
    if (m) problems.push(`${what} in the body: …${checked.slice(Math.max(0, m.index - 60), m.index + 80)}…`);
  }
  return problems;
}

/** Resident memory of a process, from /proc (Linux), in MiB. */
export async function rssMiB(pid: number): Promise<number | null> {
  const { readFile } = await import("node:fs/promises");
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => null);
  const m = status && /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : null;
}

import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { type ServeProcess, startServe } from "../helpers/cli.js";
import { clusterNodeEnv } from "../helpers/cluster-node-env.js";
import { deletePartitionQueues, rabbitmqAvailable } from "../helpers/rabbitmq.js";
import { createTestSchema, dropTestSchemas, postgresAvailable } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Issue 45 item 2 end to end: two `logwarden serve` cluster nodes on one PostgreSQL and RabbitMQ. A client
 * posts a keyed `/ingest` to node A, which hands the lines off (every message confirmed by the broker)
 * and is killed with SIGKILL before it answers; the client sends the request again, same key, to node B.
 * Every line is stored exactly once, B answers, and any node answers a further resend with that answer.
 *
 * A is caught between its hand-off and its answer by its external scorer (ML_URL, system 004's ML
 * service): `/ingest` asks it for scores only after the broker confirmed every hand-off, and the scorer
 * here never answers A's request, so A is killed while it waits.
 */

const PARTITIONS = 4;
const LINES = 400;
const TOKEN = "idempotent-resend-token-0123456789abcdef";
const run = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const prefix = `lw_ik_${run}.`;
const schema = `cluster_idempotent_${run}`;
const marker = `resend-${run}`;
const dirs: string[] = [];
const nodes: ServeProcess[] = [];
let scorer: Server | undefined;
let db: pg.Client | undefined;
let created = false;

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop("SIGKILL")));
  scorer?.closeAllConnections();
  await new Promise<void>((resolve) => (scorer ? scorer.close(() => resolve()) : resolve()));
  await db?.end().catch(() => {});
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  if (created) {
    await dropTestSchemas(schema).catch(() => {});
    await deletePartitionQueues(prefix, PARTITIONS).catch(() => {});
  }
}, 60_000);

/** Lines over 16 services, so the request's hand-offs go to every partition. */
const body = Array.from({ length: LINES }, (_, i) => ({
  timestamp: new Date(Date.UTC(2026, 10, 28, 12, 0, i % 60)).toISOString(),
  service: `svc-${i % 16}`,
  level: "INFO",
  message: `${marker} line ${i}`,
}));

function post(node: ServeProcess, key: string, payload: unknown = body) {
  return fetch(`${node.url}/ingest`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${TOKEN}`,
      "content-type": "application/json",
      "idempotency-key": key,
    },
    body: JSON.stringify(payload),
  });
}

/** The external scorer: holds its first request (A's) unanswered, scores every later one 0.1. */
async function startScorer(onHeld: () => void): Promise<string> {
  let seen = 0;
  scorer = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (++seen === 1) return onHeld();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ score: 0.1 }));
    });
  });
  await new Promise<void>((resolve) => scorer!.listen(0, "127.0.0.1", () => resolve()));
  return `http://127.0.0.1:${(scorer.address() as AddressInfo).port}/score`;
}

async function storedLines(): Promise<{ rows: number; distinct: number }> {
  const { rows } = await db!.query(
    "select count(*) as rows, count(distinct message) as distinct from logs where message like $1",
    [`${marker} %`],
  );
  return { rows: Number(rows[0].rows), distinct: Number(rows[0].distinct) };
}

describe("a keyed /ingest resent to another node after the first was killed (SIGKILL)", () => {
  it("stores every line exactly once, and every node answers a resend like the one answer given", async (ctx) => {
    if (!(await postgresAvailable()) || !(await rabbitmqAvailable())) {
      console.warn(
        "[skip] cluster Idempotency-Key resend: needs PostgreSQL and RabbitMQ (TEST_DATABASE_URL, TEST_RABBITMQ_URL)",
      );
      return ctx.skip();
    }
    created = true;
    const url = (await createTestSchema(schema)).toString();
    let held!: () => void;
    const heldAtScorer = new Promise<void>((resolve) => {
      held = resolve;
    });
    const scorerUrl = await startScorer(() => held());
    const env = (id: string, extra: Record<string, string> = {}) => {
      const dir = mkdtempSync(join(tmpdir(), "logwarden-idempotent-"));
      dirs.push(dir);
      return {
        ...clusterNodeEnv({
          databaseUrl: url,
          dataDir: dir,
          token: TOKEN,
          partitions: PARTITIONS,
          nodeId: id,
          prefix,
        }),
        // Several hand-off messages per partition: a resend must match each one.
        CLUSTER_MESSAGE_RECORDS: "20",
        ...extra,
      };
    };
    const [a, b] = await Promise.all([
      startServe(env("ik-a", { ML_URL: scorerUrl }), 90_000),
      startServe(env("ik-b"), 90_000),
    ]);
    nodes.push(a!, b!);
    db = new pg.Client({ connectionString: url });
    await db.connect();
    await waitFor(
      async () =>
        Number(
          (
            await db!.query(
              "select count(*) as n from cluster_partitions where owner is not null and partition >= 0",
            )
          ).rows[0].n,
        ) === PARTITIONS,
      "every partition owned",
      30_000,
      200,
    );

    // A takes the request, hands every line off, and is killed while it waits for its scorer.
    const first = post(a!, "order-42").then(
      (res) => res.status,
      () => "no answer",
    );
    await heldAtScorer;
    await a!.stop("SIGKILL");
    expect(await first).toBe("no answer");

    // The client sends it again, to B: B hands it off again, the owners drop what A's copy committed.
    const resent = await post(b!, "order-42");
    expect(resent.status).toBe(200);
    const answer = await resent.json();
    expect(answer).toMatchObject({ ingested: LINES });
    expect(resent.headers.get("idempotent-replayed")).toBeNull();

    // A's partitions are taken over by B once A's leases run out; its unacknowledged messages come back.
    await waitFor(
      async () => {
        const stored = await storedLines();
        return stored.distinct === LINES ? stored : null;
      },
      `all ${LINES} lines stored`,
      60_000,
      250,
    );
    // Settled: nothing left in flight that could still add a copy.
    await waitFor(
      async () =>
        Number(
          (
            await db!.query(
              "select count(*) as n from cluster_partitions where owner = 'ik-b' and partition >= 0",
            )
          ).rows[0].n,
        ) === PARTITIONS,
      "B owning every partition",
      30_000,
      200,
    );
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await storedLines()).toEqual({ rows: LINES, distinct: LINES });

    // Sent again to B, and to A restarted: the answer B gave, nothing stored.
    const again = await post(b!, "order-42");
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(answer);
    const aAgain = await startServe(env("ik-a"), 90_000);
    nodes.push(aAgain);
    const fromA = await post(aAgain, "order-42");
    expect(fromA.status).toBe(200);
    expect(fromA.headers.get("idempotent-replayed")).toBe("true");
    expect(await fromA.json()).toEqual(answer);

    // The same key with another body is refused on any node, and stores nothing.
    const other = await post(
      aAgain,
      "order-42",
      body.slice(0, 10).map((l) => ({ ...l, message: `${l.message} changed` })),
    );
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ error: "idempotency_key_reused" });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await storedLines()).toEqual({ rows: LINES, distinct: LINES });
  }, 180_000);
});

import { mkdtempSync, rmSync } from "node:fs";
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
 * Issue 45 item 5, operations people do on a cluster under load, with `logwarden serve` nodes on the real
 * PostgreSQL and RabbitMQ: a rolling restart of every node, and scaling 2 → 4 → 3 nodes. Two clients keep
 * posting keyed `/ingest` requests round-robin over the nodes in rotation, and send a failed one again,
 * same key, to the next node. Every acknowledged line is stored exactly once, and no request waits long.
 */

const PARTITIONS = 6;
const LINES_PER_REQUEST = 50;
const TOKEN = "rolling-restart-token-0123456789abcdef";
const clusters: LoadedCluster[] = [];

afterAll(async () => {
  for (const c of clusters) await c.cleanup();
}, 60_000);

/** Nodes on one fresh schema and queue prefix, and two clients loading them. */
class LoadedCluster {
  readonly run = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  readonly prefix = `lw_rr_${this.run}.`;
  readonly schema = `cluster_rolling_${this.run}`;
  readonly marker = `rolling-${this.run}`;
  readonly nodes = new Map<string, ServeProcess>();
  /** The nodes the clients send to, in the order they were added. */
  readonly rotation: string[] = [];
  acked = 0;
  attempts = 0;
  longestWaitMs = 0;
  #dirs: string[] = [];
  #url = "";
  #db: pg.Client | undefined;
  #sending = false;
  #clients: Promise<unknown> = Promise.resolve();
  #turn = 0;

  async start(ids: readonly string[]): Promise<void> {
    clusters.push(this);
    this.#url = (await createTestSchema(this.schema)).toString();
    const started = await Promise.all(ids.map((id) => startServe(this.#env(id), 90_000)));
    for (const [i, id] of ids.entries()) this.#add(id, started[i]!);
    this.#db = new pg.Client({ connectionString: this.#url });
    await this.#db.connect();
    await this.waitBalanced(ids.length);
  }

  /** Starts a node and puts it in rotation once it listens. */
  async addNode(id: string): Promise<void> {
    this.#add(id, await startServe(this.#env(id), 90_000));
  }

  /** SIGTERM; out of rotation once it has exited (a load balancer that notices late). */
  async stopNode(id: string): Promise<void> {
    expect(await this.nodes.get(id)!.stop("SIGTERM")).toBe(0);
    this.nodes.delete(id);
    this.rotation.splice(this.rotation.indexOf(id), 1);
  }

  /** Every partition owned, each live node holding at most its share (partitions ÷ nodes, rounded up). */
  async waitBalanced(nodes: number): Promise<void> {
    const share = Math.ceil(PARTITIONS / nodes);
    await waitFor(
      async () => {
        const { rows } = await this.#db!.query(
          "select owner, count(*) as n from cluster_partitions where owner is not null and partition >= 0 group by owner",
        );
        const counts = rows.map((r: { n: string }) => Number(r.n));
        const owned = counts.reduce((a: number, b: number) => a + b, 0);
        return owned === PARTITIONS && rows.length === nodes && counts.every((n: number) => n <= share);
      },
      `the ${PARTITIONS} partitions spread over ${nodes} nodes, at most ${share} each`,
      60_000,
      200,
    );
  }

  startLoad(): void {
    this.#sending = true;
    this.#clients = Promise.all([this.#client("one"), this.#client("two")]);
  }

  /** Waits until `lines` more lines are acknowledged. */
  async loadGoesOn(lines: number, what: string): Promise<void> {
    const before = this.acked;
    await waitFor(() => this.acked >= before + lines, what, 30_000, 100);
  }

  /** Stops the clients and checks every acknowledged line is stored exactly once. */
  async expectExactlyOnce(): Promise<void> {
    this.#sending = false;
    await this.#clients;
    await waitFor(
      async () => ((await this.#stored()).distinct === this.acked ? true : null),
      `all ${this.acked} acknowledged lines stored`,
      60_000,
      250,
    );
    // Settled: nothing in flight that could still add a copy.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await this.#stored()).toEqual({ rows: this.acked, distinct: this.acked });
  }

  async cleanup(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.stop("SIGKILL")));
    await this.#db?.end().catch(() => {});
    for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true });
    await dropTestSchemas(this.schema).catch(() => {});
    await deletePartitionQueues(this.prefix, PARTITIONS).catch(() => {});
  }

  #add(id: string, node: ServeProcess): void {
    this.nodes.set(id, node);
    this.rotation.push(id);
  }

  #env(id: string): Record<string, string> {
    const dir = mkdtempSync(join(tmpdir(), "logwarden-rolling-"));
    this.#dirs.push(dir);
    return clusterNodeEnv({
      databaseUrl: this.#url,
      dataDir: dir,
      token: TOKEN,
      partitions: PARTITIONS,
      nodeId: id,
      prefix: this.prefix,
    });
  }

  async #client(name: string): Promise<void> {
    for (let n = 0; this.#sending; n++) {
      const key = `${this.marker}-${name}-${n}`;
      const body = JSON.stringify(
        Array.from({ length: LINES_PER_REQUEST }, (_, i) => ({
          timestamp: new Date(Date.UTC(2026, 10, 29, 12, 0, 0, n * LINES_PER_REQUEST + i)).toISOString(),
          service: `svc-${(n + i) % 12}`,
          level: "INFO",
          message: `${this.marker} request ${name} ${n} line ${i}`,
        })),
      );
      const since = Date.now();
      for (;;) {
        const node = this.nodes.get(this.rotation[this.#turn++ % this.rotation.length]!);
        this.attempts++;
        const status = !node
          ? 0
          : await fetch(`${node.url}/ingest`, {
              method: "POST",
              headers: {
                authorization: `Bearer ${TOKEN}`,
                "content-type": "application/json",
                "idempotency-key": key,
              },
              body,
            }).then(
              async (res) => {
                await res.arrayBuffer();
                return res.status;
              },
              () => 0,
            );
        if (status === 200) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      this.longestWaitMs = Math.max(this.longestWaitMs, Date.now() - since);
      this.acked += LINES_PER_REQUEST;
    }
  }

  async #stored(): Promise<{ rows: number; distinct: number }> {
    const { rows } = await this.#db!.query(
      "select count(*) as rows, count(distinct message) as distinct from logs where message like $1",
      [`${this.marker} %`],
    );
    return { rows: Number(rows[0].rows), distinct: Number(rows[0].distinct) };
  }
}

async function serversAvailable(): Promise<boolean> {
  if ((await postgresAvailable()) && (await rabbitmqAvailable())) return true;
  console.warn(
    "[skip] cluster rolling restart and scaling: needs PostgreSQL and RabbitMQ (TEST_DATABASE_URL, TEST_RABBITMQ_URL)",
  );
  return false;
}

describe("cluster operations under load (serve nodes, PostgreSQL, RabbitMQ)", () => {
  it("a rolling restart of every node loses and doubles no acknowledged line, and no request waits long", async (ctx) => {
    if (!(await serversAvailable())) return ctx.skip();
    const c = new LoadedCluster();
    const ids = ["rr-a", "rr-b", "rr-c"];
    await c.start(ids);
    c.startLoad();
    await c.loadGoesOn(1_000, "load under way");
    for (const id of ids) {
      await c.stopNode(id);
      await c.addNode(id);
      await c.loadGoesOn(500, `load going on after ${id} restarted`);
    }
    await c.expectExactlyOnce();
    console.log(
      `rolling restart: ${c.acked} lines acknowledged in ${c.attempts} attempts; the longest wait for an answer ${c.longestWaitMs} ms`,
    );
    expect(c.longestWaitMs).toBeLessThan(20_000);
  }, 300_000);

  it("scaling 2 → 4 → 3 nodes live spreads the partitions again and loses and doubles nothing", async (ctx) => {
    if (!(await serversAvailable())) return ctx.skip();
    const c = new LoadedCluster();
    await c.start(["sc-a", "sc-b"]);
    c.startLoad();
    await c.loadGoesOn(1_000, "load under way on 2 nodes");
    await Promise.all([c.addNode("sc-c"), c.addNode("sc-d")]);
    await c.waitBalanced(4);
    await c.loadGoesOn(500, "load going on with 4 nodes");
    await c.stopNode("sc-b");
    await c.waitBalanced(3);
    await c.loadGoesOn(500, "load going on with 3 nodes");
    await c.expectExactlyOnce();
    console.log(
      `scaling 2 → 4 → 3: ${c.acked} lines acknowledged in ${c.attempts} attempts; the longest wait for an answer ${c.longestWaitMs} ms`,
    );
    expect(c.longestWaitMs).toBeLessThan(20_000);
  }, 300_000);
});

/**
 * Builds a labelled operational-log dataset from real servers run on this machine (issue 52, part 4).
 *
 *   npx tsx bench/detect/faults/generate.ts --run run-a --seed 1 --kinds 8
 *   npx tsx bench/detect/faults/generate.ts --run run-b --seed 2
 *
 * As root, with no systemd or Docker: starts a private PostgreSQL 15 cluster (initdb in a temp dir, its own
 * port), a private RabbitMQ node (its own node name, ports and log file), nginx (its own prefix and ports)
 * serving static files and proxying /api/ to a small Node upstream, and a RabbitMQ consumer process. It
 * drives modest normal traffic at all three, injects faults at seeded times in a seeded order, and tails
 * the servers' own log files while they are written: every line is kept raw, stamped with the wall-clock
 * time it was read (polled every 20 ms), and the lines of all files are merged in that order into
 * `data/<run>/faults.log`. A fault's window runs from the moment the generator injected it to the moment
 * it had undone it and the service answered the generator's normal traffic again (what was done, not
 * what the logs say); a line is an alert when it was read inside a window and comes from the service the
 * fault was injected into. See data/README.md.
 *
 * Randomness (fault order and choice, gaps, hold times, traffic mix) comes from the seed; timings of the
 * real servers do not, so two runs with one seed give different lines with the same plan.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import {
  appendFileSync,
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import amqp from "amqplib";
import pg from "pg";
import { mulberry32 } from "../../lib/random.js";
import { SERVICE_OF, type Service, type Source } from "./score.js";

const execFileP = promisify(execFile);
const THIS_FILE = fileURLToPath(import.meta.url);
const DATA_DIR = fileURLToPath(new URL("./data/", import.meta.url));
const PG_BIN = "/usr/lib/postgresql/15/bin";

// ---------------------------------------------------------------- arguments and seeded randomness

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const iso = (ms: number) => new Date(ms).toISOString();

// ---------------------------------------------------------------- child roles (upstream, consumer)

async function roleUpstream(port: number): Promise<void> {
  const server = createServer((req, res) => {
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
    });
    req.on("end", () => {
      const url = req.url ?? "/";
      if (req.method === "POST") {
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ stored: size }));
        return;
      }
      const id = Number(new URL(url, "http://x").searchParams.get("id") ?? "0");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id, name: `item-${id}`, price: (id * 37) % 1000 }));
    });
  });
  server.listen(port, "127.0.0.1", () => process.stdout.write("ready\n"));
}

async function roleConsumer(url: string): Promise<void> {
  for (;;) {
    try {
      const conn = await amqp.connect(url);
      const ch = await conn.createChannel();
      await ch.assertQueue("jobs", { durable: true });
      await ch.prefetch(20);
      await ch.consume("jobs", (m) => {
        if (m) ch.ack(m);
      });
      process.stdout.write("ready\n");
      await new Promise<void>((resolve) => {
        conn.on("close", () => resolve());
        conn.on("error", () => resolve());
      });
    } catch {
      // broker down or refusing: retry as a service's consumer would
    }
    await sleep(2000);
  }
}

// ---------------------------------------------------------------- the log tailer

interface Captured {
  t: number;
  source: Source;
  text: string;
}

class Tailer {
  readonly lines: Captured[] = [];
  private files: { path: string; source: Source; fd?: number; pos: number; rest: Buffer }[] = [];
  private timer?: NodeJS.Timeout;
  private buf = Buffer.alloc(1 << 20);
  add(path: string, source: Source): void {
    this.files.push({ path, source, pos: 0, rest: Buffer.alloc(0) });
  }
  start(): void {
    this.timer = setInterval(() => this.poll(), 20);
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.poll();
    for (const f of this.files) {
      if (f.fd !== undefined && f.fd >= 0) closeSync(f.fd);
      f.fd = -1;
    }
  }
  poll(): void {
    const t = Date.now();
    for (const f of this.files) {
      if (f.fd === -1) continue;
      if (f.fd === undefined) {
        if (!existsSync(f.path)) continue;
        f.fd = openSync(f.path, "r");
      }
      for (;;) {
        const n = readSync(f.fd, this.buf, 0, this.buf.length, f.pos);
        if (n <= 0) break;
        f.pos += n;
        let chunk = Buffer.concat([f.rest, this.buf.subarray(0, n)]);
        let nl = chunk.indexOf(10);
        while (nl >= 0) {
          this.lines.push({ t, source: f.source, text: chunk.subarray(0, nl).toString("utf8") });
          chunk = chunk.subarray(nl + 1);
          nl = chunk.indexOf(10);
        }
        f.rest = Buffer.from(chunk);
      }
    }
  }
}

// ---------------------------------------------------------------- servers

interface Env {
  run: string;
  dir: string;
  pgPort: number;
  amqpPort: number;
  distPort: number;
  httpPort: number;
  upstreamPort: number;
  node: string;
}

async function sh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const { stdout } = await execFileP(cmd, args, { env: { ...process.env, ...opts.env }, timeout: 120_000 });
  return stdout;
}

const asPostgres = (cmd: string) => sh("su", ["postgres", "-s", "/bin/sh", "-c", cmd]);

function rabbitEnv(e: Env): NodeJS.ProcessEnv {
  return {
    RABBITMQ_NODENAME: e.node,
    RABBITMQ_NODE_PORT: String(e.amqpPort),
    RABBITMQ_DIST_PORT: String(e.distPort),
    RABBITMQ_MNESIA_BASE: `${e.dir}/rabbit/mnesia`,
    RABBITMQ_LOG_BASE: `${e.dir}/logs`,
    RABBITMQ_LOGS: `${e.dir}/logs/rabbit.log`,
    RABBITMQ_PID_FILE: `${e.dir}/rabbit/pid`,
    RABBITMQ_ENABLED_PLUGINS_FILE: `${e.dir}/rabbit/enabled_plugins`,
    RABBITMQ_CONFIG_FILE: `${e.dir}/rabbit/rabbitmq`,
  };
}

const rabbitctl = (e: Env, ...args: string[]) => sh("rabbitmqctl", ["-q", "-n", e.node, ...args]);

function mountTmpfs(path: string, size: string, owner: string): void {
  mkdirSync(path, { recursive: true });
  const r = spawnSyncOk("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0755`, "tmpfs", path]);
  if (!r) throw new Error(`could not mount tmpfs on ${path}`);
  spawnSyncOk("chown", [owner, path]);
}

function spawnSyncOk(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
}

async function startPostgres(e: Env): Promise<void> {
  const data = `${e.dir}/pg/data`;
  mkdirSync(data, { recursive: true });
  spawnSyncOk("chown", ["-R", "postgres:postgres", `${e.dir}/pg`]);
  await asPostgres(`${PG_BIN}/initdb -D ${data} -A trust -U postgres --no-instructions >/dev/null`);
  appendFileSync(
    `${data}/postgresql.conf`,
    [
      "",
      "# logwarden fault generator",
      `port = ${e.pgPort}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${e.dir}/pg'`,
      "max_connections = 30",
      "superuser_reserved_connections = 3",
      "shared_buffers = 32MB",
      "logging_collector = on",
      `log_directory = '${e.dir}/logs'`,
      "log_filename = 'postgresql.log'",
      "log_file_mode = 0644",
      "log_rotation_age = 0",
      "log_rotation_size = 0",
      "log_line_prefix = '%m [%p] %q%u@%d '",
      "log_connections = on",
      "log_disconnections = on",
      "log_checkpoints = on",
      "log_lock_waits = on",
      "log_min_duration_statement = 250",
      "log_autovacuum_min_duration = 0",
      "autovacuum_naptime = 30s",
      "checkpoint_timeout = 120s",
      "log_timezone = 'UTC'",
      "",
    ].join("\n"),
  );
  await asPostgres(`${PG_BIN}/pg_ctl -D ${data} -w -t 60 start >/dev/null`);
}

async function stopPostgres(e: Env): Promise<void> {
  await asPostgres(`${PG_BIN}/pg_ctl -D ${e.dir}/pg/data -m fast -w stop >/dev/null`).catch(() => {});
}

async function startRabbit(e: Env): Promise<void> {
  mkdirSync(`${e.dir}/rabbit`, { recursive: true });
  writeFileSync(`${e.dir}/rabbit/enabled_plugins`, "[].\n");
  spawnSyncOk("chown", ["-R", "rabbitmq:rabbitmq", `${e.dir}/rabbit`]);
  await sh("rabbitmq-server", ["-detached"], { env: rabbitEnv(e) });
  for (let i = 0; i < 120; i++) {
    if (await rabbitOk(e)) return;
    await sleep(1000);
  }
  throw new Error("rabbitmq did not start");
}

async function rabbitOk(e: Env, check = "check_running"): Promise<boolean> {
  try {
    await sh("rabbitmq-diagnostics", ["-q", "-n", e.node, check]);
    return true;
  } catch {
    return false;
  }
}

function writeNginxConf(e: Env): string {
  const conf = `${e.dir}/nginx/nginx.conf`;
  mkdirSync(`${e.dir}/nginx`, { recursive: true });
  writeFileSync(
    conf,
    `user www-data;
worker_processes 2;
pid ${e.dir}/nginx/nginx.pid;
error_log ${e.dir}/logs/nginx-error.log;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log ${e.dir}/logs/nginx-access.log combined;
  sendfile on;
  keepalive_timeout 15;
  client_body_temp_path ${e.dir}/nginx-tmp/client_body;
  proxy_temp_path ${e.dir}/nginx-tmp/proxy;
  fastcgi_temp_path ${e.dir}/nginx/fastcgi;
  uwsgi_temp_path ${e.dir}/nginx/uwsgi;
  scgi_temp_path ${e.dir}/nginx/scgi;
  client_max_body_size 1m;
  upstream app { server 127.0.0.1:${e.upstreamPort}; keepalive 4; }
  server {
    listen 127.0.0.1:${e.httpPort};
    server_name shop.local;
    root ${e.dir}/www;
    location / { }
    location /api/ {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_connect_timeout 2s;
      proxy_read_timeout 5s;
    }
  }
}
`,
  );
  return conf;
}

function makeSite(e: Env): void {
  const www = `${e.dir}/www`;
  mkdirSync(`${www}/assets`, { recursive: true });
  mkdirSync(`${www}/img`, { recursive: true });
  writeFileSync(`${www}/index.html`, `<!doctype html><title>shop</title>${"<p>hello</p>".repeat(200)}`);
  writeFileSync(`${www}/assets/app.js`, `console.log(1);\n`.repeat(800));
  writeFileSync(`${www}/assets/style.css`, `body{margin:0}\n`.repeat(400));
  writeFileSync(`${www}/img/logo.png`, Buffer.alloc(6000, 7));
  writeFileSync(`${www}/about.html`, `<!doctype html><title>about</title>${"<p>about</p>".repeat(50)}`);
}

// ---------------------------------------------------------------- helper processes

interface Child {
  proc?: ChildProcess;
}

function spawnRole(role: string, extra: string[]): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [...process.execArgv, THIS_FILE, "--role", role, ...extra], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${role} did not start`)), 60_000);
    proc.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) {
        clearTimeout(t);
        resolve(proc);
      }
    });
    proc.on("exit", () => clearTimeout(t));
  });
}

function childrenOf(pid: number): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== pid) continue;
      out.push({ pid: Number(d), cmd: readFileSync(`/proc/${d}/cmdline`, "utf8").replaceAll("\0", " ") });
    } catch {
      // gone
    }
  }
  return out;
}

// ---------------------------------------------------------------- normal traffic

interface Traffic {
  stopped: boolean;
  loops: Promise<void>[];
}

function pgConfig(e: Env, user = "app"): pg.ClientConfig {
  return { host: "127.0.0.1", port: e.pgPort, user, database: "appdb", connectionTimeoutMillis: 5000 };
}

async function pgOnce(e: Env, user: string, sql: string, params: unknown[] = []): Promise<void> {
  const c = new pg.Client(pgConfig(e, user));
  c.on("error", () => {});
  try {
    await c.connect();
    await c.query(sql, params);
  } finally {
    await c.end().catch(() => {});
  }
}

async function setupDatabase(e: Env): Promise<string> {
  const admin = new pg.Client({
    host: `${e.dir}/pg`,
    port: e.pgPort,
    user: "postgres",
    database: "postgres",
  });
  await admin.connect();
  await admin.query("create role app login");
  await admin.query("create role batch login");
  await admin.query("create database appdb owner app");
  await admin.query(`create tablespace fastspace owner app location '${e.dir}/pgspace'`);
  await admin.end();
  const db = new pg.Client({ host: `${e.dir}/pg`, port: e.pgPort, user: "app", database: "appdb" });
  await db.connect();
  await db.query(`
    create table accounts(id int primary key, balance bigint not null);
    insert into accounts select g, 10000 from generate_series(1, 1000) g;
    create table orders(id bigserial primary key, account_id int not null, amount int not null, note text,
      created_at timestamptz not null default now());
    create index on orders(account_id);
    create table lookup(code text primary key, label text not null);
    insert into lookup select 'c' || g, 'label ' || g from generate_series(1, 200) g;
    create table idempotency_keys(key text primary key, created_at timestamptz not null default now());
    create table events_ts(id bigserial primary key, payload text not null,
      created_at timestamptz not null default now()) tablespace fastspace;
    grant select on all tables in schema public to batch;
  `);
  const path = (await db.query("select pg_relation_filepath('lookup') as p")).rows[0].p as string;
  await db.end();
  return `${e.dir}/pg/data/${path}`;
}

function startTraffic(e: Env, rand: () => number): Traffic {
  const tr: Traffic = { stopped: false, loops: [] };
  const loop = (minMs: number, maxMs: number, body: () => Promise<void>) => {
    tr.loops.push(
      (async () => {
        while (!tr.stopped) {
          await body().catch(() => {});
          await sleep(minMs + rand() * (maxMs - minMs));
        }
      })(),
    );
  };
  // PostgreSQL: a pooled application (transfers, reads), short-lived connections (a lookup and an event
  // written to the tablespace), an idempotent insert whose duplicate now and then is a routine ERROR, a
  // slow report by another role, and a cleanup that feeds autovacuum.
  const pool = new pg.Pool({ ...pgConfig(e), max: 4, idleTimeoutMillis: 60_000 });
  pool.on("error", () => {});
  let keyN = 0;
  loop(150, 450, async () => {
    const r = rand();
    const a = 1 + Math.floor(rand() * 1000);
    const b = 1 + Math.floor(rand() * 1000);
    const amt = 1 + Math.floor(rand() * 500);
    if (r < 0.6) {
      const c = await pool.connect();
      try {
        await c.query("begin");
        await c.query("update accounts set balance = balance - $1 where id = $2", [amt, a]);
        await c.query("update accounts set balance = balance + $1 where id = $2", [amt, b]);
        await c.query("insert into orders(account_id, amount, note) values ($1, $2, $3)", [
          a,
          amt,
          "transfer",
        ]);
        await c.query("commit");
      } catch (err) {
        await c.query("rollback").catch(() => {});
        throw err;
      } finally {
        c.release();
      }
    } else if (r < 0.9) {
      await pool.query("select id, amount from orders where account_id = $1 order by id desc limit 10", [a]);
    } else {
      await pool.query("select sum(balance) from accounts");
    }
  });
  loop(1500, 2500, async () => {
    const c = new pg.Client(pgConfig(e));
    c.on("error", () => {});
    try {
      await c.connect();
      await c.query("select label from lookup where code = $1", [`c${1 + Math.floor(rand() * 200)}`]);
      // about 3 kB that pglz cannot shrink: two rows a page, so the table grows every other insert
      let payload = "";
      while (payload.length < 3000) payload += Math.floor(rand() * 2 ** 32).toString(36);
      await c.query("insert into events_ts(payload) values ($1)", [payload]);
    } finally {
      await c.end().catch(() => {});
    }
  });
  loop(2000, 4000, async () => {
    // mostly new keys; about one in twelve is a retry of a key already stored (unique violation)
    const key = rand() < 0.08 && keyN > 0 ? `k${Math.floor(rand() * keyN)}` : `k${keyN++}`;
    await pool.query("insert into idempotency_keys(key) values ($1)", [key]);
  });
  loop(45_000, 75_000, () =>
    pgOnce(
      e,
      "batch",
      "select count(*), sum(amount), pg_sleep(0.3) from orders where created_at > now() - interval '1 hour'",
    ),
  );
  loop(50_000, 70_000, () =>
    pool.query("delete from orders where created_at < now() - interval '3 minutes'").then(() => {}),
  );

  // RabbitMQ: a long-lived publisher, short-lived batch publishers, and now and then a client declaring the
  // queue with other arguments (a routine channel error).
  const url = `amqp://guest:guest@127.0.0.1:${e.amqpPort}`;
  let pub: { conn: amqp.ChannelModel; ch: amqp.Channel } | undefined;
  let connecting = false;
  loop(150, 350, async () => {
    if (!pub) {
      if (connecting) return;
      connecting = true;
      try {
        const conn = await amqp.connect(url);
        const ch = await conn.createChannel();
        await ch.assertQueue("jobs", { durable: true });
        const p = { conn, ch };
        conn.on("close", () => {
          if (pub === p) pub = undefined;
        });
        conn.on("error", () => {});
        ch.on("error", () => {});
        pub = p;
      } finally {
        connecting = false;
      }
      return;
    }
    pub.ch.sendToQueue("jobs", Buffer.from(JSON.stringify({ at: Date.now(), n: rand() })));
  });
  loop(12_000, 20_000, async () => {
    const conn = await amqp.connect(url);
    conn.on("error", () => {});
    try {
      const ch = await conn.createChannel();
      await ch.assertQueue("reports", { durable: true });
      for (let i = 0; i < 5; i++) ch.sendToQueue("reports", Buffer.from(`r${i}`));
      await ch.purgeQueue("reports");
      await ch.close();
    } finally {
      await conn.close().catch(() => {});
    }
  });
  loop(100_000, 160_000, async () => {
    const conn = await amqp.connect(url);
    conn.on("error", () => {});
    try {
      const ch = await conn.createChannel();
      ch.on("error", () => {});
      await ch.assertQueue("jobs", { durable: false }).catch(() => {});
    } finally {
      await conn.close().catch(() => {});
    }
  });

  // nginx: static pages, API reads and uploads through the proxy, and missing files (404, logged by nginx
  // at error level as a routine matter).
  const base = `http://127.0.0.1:${e.httpPort}`;
  const statics = ["/", "/index.html", "/assets/app.js", "/assets/style.css", "/img/logo.png", "/about.html"];
  const missing = ["/favicon.ico", "/robots.txt", "/wp-login.php", "/assets/app.js.map"];
  const body = "y".repeat(32 * 1024);
  loop(150, 350, async () => {
    const r = rand();
    const opts = { signal: AbortSignal.timeout(6000), headers: { "user-agent": "shop-client/1.4" } };
    let res: Response;
    if (r < 0.68) res = await fetch(base + statics[Math.floor(rand() * statics.length)]!, opts);
    else if (r < 0.9) res = await fetch(`${base}/api/items?id=${Math.floor(rand() * 5000)}`, opts);
    else if (r < 0.97) res = await fetch(`${base}/api/upload`, { ...opts, method: "POST", body });
    else res = await fetch(base + missing[Math.floor(rand() * missing.length)]!, opts);
    await res.arrayBuffer();
  });
  (tr as Traffic & { close: () => Promise<void> }).close = async () => {
    await pool.end().catch(() => {});
    await pub?.conn.close().catch(() => {});
  };
  return tr;
}

// ---------------------------------------------------------------- faults

export type FaultKind =
  | "pg_backend_sigkill"
  | "pg_max_connections"
  | "pg_disk_full"
  | "pg_permission_denied"
  | "rmq_memory_alarm"
  | "rmq_disk_alarm"
  | "rmq_consumer_killed"
  | "rmq_broker_stopped"
  | "nginx_upstream_down"
  | "nginx_permission_denied"
  | "nginx_disk_full"
  | "nginx_worker_sigkill";

export const KINDS: FaultKind[] = [
  "pg_backend_sigkill",
  "pg_max_connections",
  "pg_disk_full",
  "pg_permission_denied",
  "rmq_memory_alarm",
  "rmq_disk_alarm",
  "rmq_consumer_killed",
  "rmq_broker_stopped",
  "nginx_upstream_down",
  "nginx_permission_denied",
  "nginx_disk_full",
  "nginx_worker_sigkill",
];

const SERVICE: Record<FaultKind, Service> = {
  pg_backend_sigkill: "postgresql",
  pg_max_connections: "postgresql",
  pg_disk_full: "postgresql",
  pg_permission_denied: "postgresql",
  rmq_memory_alarm: "rabbitmq",
  rmq_disk_alarm: "rabbitmq",
  rmq_consumer_killed: "rabbitmq",
  rmq_broker_stopped: "rabbitmq",
  nginx_upstream_down: "nginx",
  nginx_permission_denied: "nginx",
  nginx_disk_full: "nginx",
  nginx_worker_sigkill: "nginx",
};

export interface FaultRecord {
  id: string;
  kind: FaultKind;
  service: Service;
  start: string;
  end: string;
  startMs: number;
  endMs: number;
  injected: string;
  recovered: string;
}

interface World {
  e: Env;
  lookupFile: string;
  upstream: Child;
  consumer: Child;
}

function fillDisk(dir: string): number {
  const chunk = Buffer.alloc(1 << 20, 0);
  const fd = openSync(`${dir}/filler`, "w");
  let written = 0;
  try {
    for (;;) {
      const n = writeSync(fd, chunk);
      if (n === 0) break;
      written += n;
    }
  } catch {
    // ENOSPC: full
  } finally {
    closeSync(fd);
  }
  return written;
}

async function waitFor(ok: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await ok().catch(() => false)) return;
    await sleep(500);
  }
  throw new Error("service did not recover");
}

const pgProbe =
  (e: Env, sql = "select 1") =>
  async () => {
    await pgOnce(e, "app", sql);
    return true;
  };

async function httpProbe(e: Env, path: string, init: RequestInit = {}): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${e.httpPort}${path}`, {
    ...init,
    signal: AbortSignal.timeout(5000),
    headers: { "user-agent": "shop-client/1.4" },
  });
  await res.arrayBuffer();
  return res.status < 400;
}

function postmasterPid(e: Env): number {
  return Number(readFileSync(`${e.dir}/pg/data/postmaster.pid`, "utf8").split("\n")[0]);
}

function nginxMasterPid(e: Env): number {
  return Number(readFileSync(`${e.dir}/nginx/nginx.pid`, "utf8").trim());
}

/** Injects one fault, holds it for holdMs, undoes it and waits for the service to answer again. */
async function inject(w: World, kind: FaultKind, holdMs: number, rand: () => number) {
  const { e } = w;
  let injected = "";
  let recovered = "";
  const startMs = Date.now();
  switch (kind) {
    case "pg_backend_sigkill": {
      const backends = childrenOf(postmasterPid(e)).filter((c) => / app appdb /.test(` ${c.cmd} `));
      const victim = backends[Math.floor(rand() * backends.length)];
      if (!victim) throw new Error("no app backend to kill");
      process.kill(victim.pid, "SIGKILL");
      injected = `kill -9 ${victim.pid} (an app backend: "${victim.cmd.trim()}"), as the OOM killer would`;
      await waitFor(pgProbe(e));
      recovered =
        "nothing done: the postmaster ran crash recovery; window ends when the app could query again";
      break;
    }
    case "pg_max_connections": {
      const hogs: pg.Client[] = [];
      let refused = 0;
      for (let i = 0; i < 40; i++) {
        const c = new pg.Client(pgConfig(e, "batch"));
        c.on("error", () => {});
        try {
          await c.connect();
          hogs.push(c);
        } catch {
          refused++;
          await c.end().catch(() => {});
        }
      }
      injected = `a runaway batch client opened 40 connections as role batch (max_connections = 30): ${hogs.length} held, ${refused} refused`;
      await sleep(holdMs);
      await Promise.all(hogs.map((c) => c.end().catch(() => {})));
      await waitFor(pgProbe(e));
      recovered = `closed the ${hogs.length} held connections after ${Math.round(holdMs / 1000)} s`;
      break;
    }
    case "pg_disk_full": {
      const bytes = fillDisk(`${e.dir}/pgspace`);
      injected = `filled the tmpfs holding tablespace fastspace (table events_ts) with a ${bytes >> 20} MiB file`;
      await sleep(holdMs);
      unlinkSync(`${e.dir}/pgspace/filler`);
      await waitFor(pgProbe(e, "insert into events_ts(payload) values ('probe')"));
      recovered = "removed the filler file";
      break;
    }
    case "pg_permission_denied": {
      chmodSync(w.lookupFile, 0o000);
      injected = `chmod 000 ${w.lookupFile} (table lookup's data file)`;
      await sleep(holdMs);
      chmodSync(w.lookupFile, 0o600);
      await waitFor(pgProbe(e, "select label from lookup where code = 'c1'"));
      recovered = "chmod 600 on the file again";
      break;
    }
    case "rmq_memory_alarm": {
      await rabbitctl(e, "set_vm_memory_high_watermark", "0.0001");
      injected = "rabbitmqctl set_vm_memory_high_watermark 0.0001 (memory alarm: publishers blocked)";
      await sleep(holdMs);
      await rabbitctl(e, "set_vm_memory_high_watermark", "0.4");
      await waitFor(() => rabbitOk(e, "check_local_alarms"));
      recovered = "rabbitmqctl set_vm_memory_high_watermark 0.4";
      break;
    }
    case "rmq_disk_alarm": {
      await rabbitctl(e, "set_disk_free_limit", "100000GB");
      injected = "rabbitmqctl set_disk_free_limit 100000GB (disk alarm: publishers blocked)";
      await sleep(holdMs);
      await rabbitctl(e, "set_disk_free_limit", "50MB");
      await waitFor(() => rabbitOk(e, "check_local_alarms"));
      recovered = "rabbitmqctl set_disk_free_limit 50MB";
      break;
    }
    case "rmq_consumer_killed": {
      const pid = w.consumer.proc?.pid;
      w.consumer.proc?.kill("SIGKILL");
      injected = `kill -9 ${pid} (the consumer of queue jobs); messages pile up`;
      await sleep(holdMs);
      w.consumer.proc = await spawnRole("consumer", ["--url", `amqp://guest:guest@127.0.0.1:${e.amqpPort}`]);
      recovered = "started a new consumer process (window ends when it consumes)";
      break;
    }
    case "rmq_broker_stopped": {
      await rabbitctl(e, "stop_app");
      injected = "rabbitmqctl stop_app (broker application stopped: connections refused)";
      await sleep(holdMs);
      await rabbitctl(e, "start_app");
      await waitFor(() => rabbitOk(e));
      recovered = "rabbitmqctl start_app";
      break;
    }
    case "nginx_upstream_down": {
      const pid = w.upstream.proc?.pid;
      w.upstream.proc?.kill("SIGKILL");
      injected = `kill -9 ${pid} (the /api/ upstream on port ${e.upstreamPort}): nginx gets connection refused`;
      await sleep(holdMs);
      w.upstream.proc = await spawnRole("upstream", ["--port", String(e.upstreamPort)]);
      await waitFor(() => httpProbe(e, "/api/items?id=1"));
      recovered = "started the upstream again";
      break;
    }
    case "nginx_permission_denied": {
      chmodSync(`${e.dir}/www/assets`, 0o700);
      injected = `chmod 700 ${e.dir}/www/assets (root-owned; nginx workers run as www-data)`;
      await sleep(holdMs);
      chmodSync(`${e.dir}/www/assets`, 0o755);
      await waitFor(() => httpProbe(e, "/assets/app.js"));
      recovered = "chmod 755 on the directory again";
      break;
    }
    case "nginx_disk_full": {
      const bytes = fillDisk(`${e.dir}/nginx-tmp`);
      injected = `filled the tmpfs holding nginx's client_body_temp_path and proxy_temp_path with a ${bytes >> 20} MiB file`;
      await sleep(holdMs);
      unlinkSync(`${e.dir}/nginx-tmp/filler`);
      await waitFor(() => httpProbe(e, "/api/upload", { method: "POST", body: "y".repeat(32 * 1024) }));
      recovered = "removed the filler file";
      break;
    }
    case "nginx_worker_sigkill": {
      const workers = childrenOf(nginxMasterPid(e)).filter((c) => c.cmd.includes("worker process"));
      const victim = workers[Math.floor(rand() * workers.length)];
      if (!victim) throw new Error("no nginx worker");
      process.kill(victim.pid, "SIGKILL");
      injected = `kill -9 ${victim.pid} (an nginx worker process), as the OOM killer would`;
      await sleep(Math.min(holdMs, 3000));
      await waitFor(() => httpProbe(e, "/index.html"));
      recovered = "nothing done: the nginx master started a new worker";
      break;
    }
  }
  const endMs = Date.now();
  return { startMs, endMs, injected, recovered };
}

// ---------------------------------------------------------------- output

export function labelLines(
  lines: readonly { t: number; source: Source }[],
  faults: readonly Pick<FaultRecord, "service" | "startMs" | "endMs">[],
): number[] {
  return lines.map((l) =>
    faults.some((f) => f.service === SERVICE_OF[l.source] && l.t >= f.startMs && l.t <= f.endMs) ? 1 : 0,
  );
}

function writeOutput(run: string, meta: object, lines: Captured[], faults: FaultRecord[]): void {
  const out = `${DATA_DIR}${run}/`;
  mkdirSync(out, { recursive: true });
  const labels = labelLines(lines, faults);
  writeFileSync(`${out}faults.log`, lines.map((l) => `${l.text}\n`).join(""));
  writeFileSync(`${out}faults.labels`, labels.map((x) => `${x}\n`).join(""));
  writeFileSync(`${out}faults.lines.tsv`, lines.map((l) => `${l.t}\t${l.source}\n`).join(""));
  const bySource: Record<string, { lines: number; alerts: number }> = {};
  lines.forEach((l, i) => {
    bySource[l.source] ??= { lines: 0, alerts: 0 };
    const s = bySource[l.source]!;
    s.lines++;
    s.alerts += labels[i]!;
  });
  const alertsPerFault = faults.map(
    (f) =>
      lines.filter((l) => f.service === SERVICE_OF[l.source] && l.t >= f.startMs && l.t <= f.endMs).length,
  );
  writeFileSync(
    `${out}labels.json`,
    `${JSON.stringify(
      {
        ...meta,
        rule: "a line is alert (1) when the time it was read (faults.lines.tsv, ms since epoch) lies in [startMs, endMs] of a fault and its source belongs to the fault's service (postgresql; rabbitmq; nginx = nginx-error + nginx-access)",
        lines: lines.length,
        alertLines: labels.reduce((a, b) => a + b, 0),
        bySource,
        faults: faults.map((f, i) => ({ ...f, alertLines: alertsPerFault[i] })),
      },
      null,
      2,
    )}\n`,
  );
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const role = arg("role", "");
  if (role === "upstream") return roleUpstream(Number(arg("port", "0")));
  if (role === "consumer") return roleConsumer(arg("url", ""));

  const run = arg("run", "run-a");
  const seed = Number(arg("seed", "1"));
  const nKinds = Number(arg("kinds", String(KINDS.length)));
  const gapMin = Number(arg("gap-min", "90")) * 1000;
  const gapMax = Number(arg("gap-max", "270")) * 1000;
  const holdMin = Number(arg("hold-min", "20")) * 1000;
  const holdMax = Number(arg("hold-max", "40")) * 1000;
  const warmup = Number(arg("warmup", "90")) * 1000;
  const slot = Number(arg("slot", run === "run-b" ? "1" : "0"));
  const rand = mulberry32(seed);
  const trafficRand = mulberry32(seed * 7919 + 17);

  // the plan: a seeded choice of kinds, each once, in a seeded order
  const order = [...KINDS];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const plan = order.slice(0, nKinds).map((kind) => ({
    kind,
    gapMs: gapMin + rand() * (gapMax - gapMin),
    holdMs: holdMin + rand() * (holdMax - holdMin),
  }));
  const e: Env = {
    run,
    dir: `/tmp/logwarden-faults-${run}`,
    pgPort: 55440 + slot,
    amqpPort: 56740 + slot,
    distPort: 56750 + slot,
    httpPort: 18440 + slot,
    upstreamPort: 18450 + slot,
    node: `lwfaults-${run}@localhost`,
  };
  if (process.getuid?.() !== 0) throw new Error("run as root (it mounts tmpfs and starts servers)");
  if (existsSync(e.dir)) throw new Error(`${e.dir} exists: a previous run did not clean up`);
  console.log(`[${iso(Date.now())}] ${run} seed ${seed}: ${plan.map((p) => p.kind).join(", ")}`);
  mkdirSync(`${e.dir}/logs`, { recursive: true });
  chmodSync(`${e.dir}/logs`, 0o777);
  mountTmpfs(`${e.dir}/pgspace`, "48m", "postgres:postgres");
  mountTmpfs(`${e.dir}/nginx-tmp`, "8m", "www-data:www-data");
  const tailer = new Tailer();
  tailer.add(`${e.dir}/logs/postgresql.log`, "postgresql");
  tailer.add(`${e.dir}/logs/rabbit.log`, "rabbitmq");
  tailer.add(`${e.dir}/logs/nginx-error.log`, "nginx-error");
  tailer.add(`${e.dir}/logs/nginx-access.log`, "nginx-access");
  tailer.start();

  const w: World = { e, lookupFile: "", upstream: {}, consumer: {} };
  const faults: FaultRecord[] = [];
  let traffic: (Traffic & { close?: () => Promise<void> }) | undefined;
  const cleanup = async () => {
    if (traffic) {
      traffic.stopped = true;
      await Promise.race([Promise.allSettled(traffic.loops), sleep(10_000)]);
      await traffic.close?.();
    }
    w.consumer.proc?.kill("SIGKILL");
    w.upstream.proc?.kill("SIGKILL");
    if (existsSync(`${e.dir}/nginx/nginx.pid`)) {
      await sh("nginx", [
        "-p",
        `${e.dir}/nginx`,
        "-c",
        `${e.dir}/nginx/nginx.conf`,
        "-e",
        `${e.dir}/logs/nginx-error.log`,
        "-s",
        "stop",
      ]).catch(() => {});
    }
    await rabbitctl(e, "stop").catch(() => {});
    await stopPostgres(e);
    await sleep(1000);
    spawnSyncOk("umount", [`${e.dir}/pgspace`]);
    spawnSyncOk("umount", [`${e.dir}/nginx-tmp`]);
  };
  try {
    await startPostgres(e);
    w.lookupFile = await setupDatabase(e);
    await startRabbit(e);
    makeSite(e);
    const conf = writeNginxConf(e);
    w.upstream.proc = await spawnRole("upstream", ["--port", String(e.upstreamPort)]);
    await sh("nginx", ["-p", `${e.dir}/nginx`, "-c", conf, "-e", `${e.dir}/logs/nginx-error.log`]);
    w.consumer.proc = await spawnRole("consumer", ["--url", `amqp://guest:guest@127.0.0.1:${e.amqpPort}`]);
    const t0 = Date.now();
    traffic = startTraffic(e, trafficRand);
    console.log(`[${iso(Date.now())}] servers up, traffic running; warm-up ${warmup / 1000} s`);
    await sleep(warmup);
    for (const [i, p] of plan.entries()) {
      if (i > 0) await sleep(p.gapMs);
      console.log(`[${iso(Date.now())}] inject ${p.kind} (hold ${Math.round(p.holdMs / 1000)} s)`);
      const r = await inject(w, p.kind, p.holdMs, rand);
      faults.push({
        id: `${run}-f${String(i + 1).padStart(2, "0")}`,
        kind: p.kind,
        service: SERVICE[p.kind],
        start: iso(r.startMs),
        end: iso(r.endMs),
        startMs: r.startMs,
        endMs: r.endMs,
        injected: r.injected,
        recovered: r.recovered,
      });
      console.log(
        `[${iso(Date.now())}]   recovered after ${((r.endMs - r.startMs) / 1000).toFixed(1)} s: ${r.injected}`,
      );
    }
    await sleep(Number(arg("tail", "60")) * 1000);
    tailer.stop();
    const t1 = Date.now();
    writeOutput(
      run,
      {
        run,
        seed,
        generator: "bench/detect/faults/generate.ts",
        command: `npx tsx bench/detect/faults/generate.ts ${process.argv.slice(2).join(" ")}`,
        trafficStart: iso(t0),
        captureEnd: iso(t1),
        servers: {
          postgresql: `PostgreSQL 15 private cluster on 127.0.0.1:${e.pgPort}`,
          rabbitmq: `RabbitMQ 3.10 node ${e.node} on 127.0.0.1:${e.amqpPort}`,
          nginx: `nginx 1.22 on 127.0.0.1:${e.httpPort}, upstream 127.0.0.1:${e.upstreamPort}`,
        },
      },
      tailer.lines,
      faults,
    );
    console.log(`[${iso(Date.now())}] wrote ${tailer.lines.length} lines to ${DATA_DIR}${run}/`);
  } finally {
    tailer.stop();
    await cleanup();
    if (process.argv.includes("--keep-dir")) console.log(`kept ${e.dir}`);
    else if (statSync(e.dir, { throwIfNoEntry: false })) rmSync(e.dir, { recursive: true, force: true });
  }
  process.exit(0);
}

if (process.argv[1] === THIS_FILE) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

/**
 * ClickHouse's bytes for the same lines (issue 50 item 3): a `clickhouse-server` already installed here
 * (Debian's package, 18.16: `apt-get install clickhouse-server clickhouse-client`; nothing is downloaded at
 * run time) started on a temporary folder of its own with a config written here (zstd for every part; 18.16
 * has no per-column CODECs), a MergeTree table ordered by (service, timestamp), the lines inserted over
 * HTTP in batches, `OPTIMIZE TABLE … FINAL`, then `sum(bytes_on_disk)` of the active parts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { filesUnder } from "./data-dir-bytes.js";

/** One line as both stores get it. */
export interface LineRow {
  /** Epoch milliseconds (18.16 has no DateTime64: an Int64 of milliseconds is what DateTime64(3) stores). */
  timestamp: number;
  service: string;
  host: string;
  level: string;
  message: string;
  /** The line's attributes as JSON text (Logwarden's `metadata`). */
  metadata: string;
}

export type ClickHouseResult =
  | { skipped: string }
  | {
      version: string;
      rows: number;
      bytesOnDisk: number;
      parts: number;
      /** Every file in the active parts' folders (bytes_on_disk plus each part's small listing files). */
      tableDirBytes: number;
      byColumn: { column: string; bytes: number }[];
    };

const CANDIDATES = ["/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server", "/usr/bin/clickhouse"];

function serverBinary(): string | undefined {
  for (const path of [process.env.CLICKHOUSE_SERVER, ...CANDIDATES].filter(Boolean) as string[]) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

function config(dir: string, http: number, tcp: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/server.err.log</errorlog></logger>
  <http_port>${http}</http_port>
  <tcp_port>${tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/data/tmp/</tmp_path>
  <user_files_path>${dir}/data/user_files/</user_files_path>
  <format_schema_path>${dir}/data/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <compression><case><method>zstd</method></case></compression>
</yandex>
`;
}

const USERS = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

async function query(url: string, sql: string, body?: string): Promise<string> {
  const res = await fetch(body === undefined ? url : `${url}/?query=${encodeURIComponent(sql)}`, {
    method: "POST",
    body: body ?? sql,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`clickhouse: ${sql.slice(0, 80)}: ${res.status} ${text.slice(0, 500)}`);
  return text;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.on("exit", done));
  child.kill("SIGTERM");
  await Promise.race([exited, sleep(30_000).then(() => child.kill("SIGKILL"))]);
  await exited;
}

/** Loads `rows` (in batches of `batchRows`) into a fresh ClickHouse and measures its parts. */
export async function clickhouseBytes(
  rows: () => Iterable<LineRow>,
  batchRows = 100_000,
  orderBy = "(service, timestamp)",
): Promise<ClickHouseResult> {
  const bin = serverBinary();
  if (!bin)
    return {
      skipped:
        "no clickhouse-server binary (looked for CLICKHOUSE_SERVER, " +
        `${CANDIDATES.join(", ")}; Debian: apt-get install clickhouse-server clickhouse-client)`,
    };
  const dir = mkdtempSync(join(tmpdir(), "logwarden-bench-clickhouse-"));
  let child: ChildProcess | undefined;
  try {
    const [http, tcp] = [await freePort(), await freePort()];
    mkdirSync(join(dir, "data"));
    writeFileSync(join(dir, "config.xml"), config(dir, http, tcp));
    writeFileSync(join(dir, "users.xml"), USERS);
    const started = spawn(bin, [`--config-file=${join(dir, "config.xml")}`], {
      cwd: dir,
      stdio: ["ignore", "ignore", "pipe"],
    });
    child = started;
    let stderr = "";
    started.stderr!.on("data", (d: Buffer) => {
      if (stderr.length < 10_000) stderr += d.toString();
    });
    const url = `http://127.0.0.1:${http}`;
    for (let i = 0; ; i++) {
      if (started.exitCode !== null)
        return { skipped: `clickhouse-server exited ${started.exitCode}: ${stderr.slice(-500)}` };
      if (
        await fetch(`${url}/ping`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 120)
        return { skipped: `clickhouse-server did not answer on ${url} within 60 s: ${stderr.slice(-500)}` };
      await sleep(500);
    }
    const version = (await query(url, "select version()")).trim();
    await query(
      url,
      "create table logs (timestamp Int64, service String, host String, level String, message String, " +
        `metadata String) engine = MergeTree() order by ${orderBy}`,
    );
    let batch: string[] = [];
    let n = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await query(url, "insert into logs format JSONEachRow", `${batch.join("\n")}\n`);
      batch = [];
    };
    for (const r of rows()) {
      batch.push(JSON.stringify(r));
      n++;
      if (batch.length >= batchRows) await flush();
    }
    await flush();
    await query(url, "optimize table logs final");
    const [bytes, parts, count] = (
      await query(
        url,
        "select sum(bytes_on_disk), count(), sum(rows) from system.parts where database = 'default' and table = 'logs' and active format TSV",
      )
    )
      .trim()
      .split("\t")
      .map(Number);
    const byColumn = (
      await query(
        url,
        "select name, data_compressed_bytes from system.columns where database = 'default' and table = 'logs' format TSV",
      )
    )
      .trim()
      .split("\n")
      .map((l) => l.split("\t"))
      .map(([column, b]) => ({ column: column!, bytes: Number(b) }));
    if (count !== n) throw new Error(`clickhouse holds ${count} rows, ${n} were inserted`);
    // The active parts' folders only: the merged-away parts wait on disk for minutes before removal.
    const paths = (
      await query(
        url,
        "select path from system.parts where database = 'default' and table = 'logs' and active format TSV",
      )
    )
      .trim()
      .split("\n");
    const tableDirBytes = paths.reduce((a, p) => a + filesUnder(p).reduce((b, f) => b + f.bytes, 0), 0);
    return { version, rows: n, bytesOnDisk: bytes!, parts: parts!, tableDirBytes, byColumn };
  } finally {
    if (child) await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

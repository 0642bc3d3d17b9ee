import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, describe, expect, it } from "vitest";
import { knownStreams } from "../../src/pipeline/partition-state.js";
import { LOGHUB_DIR } from "../helpers/loghub.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { call, textOf } from "../mcp/client.js";

/** The first lines of a LogHub sample: enough to mine templates, small enough to stay quick. */
const head = (name: string, lines = 200) =>
  readFileSync(join(LOGHUB_DIR, name.replace(/_2k\.log$/, ""), name), "utf8")
    .split("\n")
    .slice(0, lines)
    .join("\n");

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A multipart body: optional text fields first (as curl -F sends them in order), then the file. */
function multipart(filename: string, content: string, fields: Record<string, string> = {}) {
  const boundary = "----lwstreams";
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  const payload = Buffer.from(
    `${parts.join("")}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n${content}\r\n--${boundary}--\r\n`,
  );
  return { payload, headers: { ...auth, "content-type": `multipart/form-data; boundary=${boundary}` } };
}

async function storedStreams(s: TestServer): Promise<Record<string, number>> {
  // Through the log store the server runs (segments, the default for a new data dir).
  const counts = await s.rt.logs.countBy({}, "service");
  return Object.fromEntries(counts.map((c) => [c.value, c.count]));
}

describe("POST /analyze/file?persist=true names the stream after the file", () => {
  it("stores Apache, HDFS and Zookeeper uploads in three streams and says so in `streams`", async () => {
    server = await startTestServer();
    const files = ["Apache_2k.log", "HDFS_2k.log", "Zookeeper_2k.log"];
    for (const name of files) {
      const res = await server.app.inject({
        method: "POST",
        url: "/analyze/file?persist=true",
        ...multipart(name, head(name)),
      });
      expect(res.statusCode, res.body).toBe(200);
      // The contract's fields are kept; `streams` is added.
      expect(res.json()).toMatchObject({ total_events: 200, anomalies_detected: expect.any(Number) });
      // Named without the `.log` that says how the file is stored (`streamOfUpload`).
      expect(res.json().streams).toEqual([{ service: name.replace(/\.log$/, ""), records: 200 }]);
    }
    expect(await storedStreams(server)).toEqual({
      Apache_2k: 200,
      HDFS_2k: 200,
      Zookeeper_2k: 200,
    });
    const templateStreams = await server.rt.store.db
      .selectFrom("templates")
      .select("stream")
      .distinct()
      .execute();
    expect(templateStreams.map((t) => t.stream).sort()).toEqual(["Apache_2k", "HDFS_2k", "Zookeeper_2k"]);
  });

  it("takes the stream from ?service= or a `service` form field; a syslog program still names its own", async () => {
    server = await startTestServer();
    const analysedOnly = await server.app.inject({
      method: "POST",
      url: "/analyze/file",
      ...multipart("HDFS_2k.log", head("HDFS_2k.log", 20)),
    });
    expect(analysedOnly.json().streams).toBeUndefined();
    const byQuery = await server.app.inject({
      method: "POST",
      url: "/analyze/file?persist=true&service=hdfs-prod",
      ...multipart("HDFS_2k.log", head("HDFS_2k.log", 20)),
    });
    expect(byQuery.json().streams).toEqual([{ service: "hdfs-prod", records: 20 }]);

    const syslog = [
      "<38>Oct 11 22:14:15 gw sshd[123]: Failed password for root from 1.2.3.4 port 22 ssh2",
      "<38>Oct 11 22:14:16 gw kernel: eth0 link up",
      "a line without a program",
    ].join("\n");
    const byField = await server.app.inject({
      method: "POST",
      url: "/analyze/file?persist=true",
      ...multipart("C:\\logs\\gateway.log", syslog, { service: "gateway" }),
    });
    expect(byField.statusCode, byField.body).toBe(200);
    expect(byField.json().streams).toEqual([
      { service: "sshd", records: 1 },
      { service: "kernel", records: 1 },
      { service: "gateway", records: 1 },
    ]);
    expect(await storedStreams(server)).toEqual({ "hdfs-prod": 20, sshd: 1, kernel: 1, gateway: 1 });

    const bad = await server.app.inject({
      method: "POST",
      url: "/analyze/file",
      ...multipart("x.log", "hello", { service: "   " }),
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ error: "validation_error", detail: expect.any(Array) });
  });

  it("keeps two uploaded files of one service apart in its detectors, with one template tree (issue 46)", async () => {
    server = await startTestServer();
    // Both name their program `sshd`: Linux's from host combo, OpenSSH's from host LabSZ.
    for (const name of ["Linux_2k.log", "OpenSSH_2k.log"]) {
      const res = await server.app.inject({
        method: "POST",
        url: "/analyze/file?persist=true",
        ...multipart(name, head(name, 2000)),
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const streams = knownStreams(server.rt.pipeline.processor);
    expect(streams).toContain("sshd (Linux_2k)");
    expect(streams).toContain("sshd (OpenSSH_2k)");
    expect(streams).not.toContain("sshd (LabSZ)");
    const sshdTemplates = await server.rt.store.db
      .selectFrom("templates")
      .select("stream")
      .distinct()
      .where("stream", "like", "sshd%")
      .execute();
    expect(sshdTemplates.map((t) => t.stream)).toEqual(["sshd"]);
    // Findings of the detectors that keep state per stream name the file they are about.
    const keys = (await server.rt.store.db.selectFrom("anomalies").select(["agent_name", "key"]).execute())
      .filter((a) => ["volume", "rare_template", "new_template", "error_burst"].includes(a.agent_name))
      .map((a) => a.key)
      .filter((k) => k.includes("sshd"));
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).toMatch(/sshd \((Linux|OpenSSH)_2k\)/);
  });

  it("keeps `auth` for /analyze's authentication events unless ?service= names another stream", async () => {
    server = await startTestServer();
    const logs = [{ user: "root", action: "failed", message: "Failed password for root" }];
    const plain = await server.app.inject({
      method: "POST",
      url: "/analyze?persist=true",
      headers: auth,
      payload: { logs },
    });
    expect(plain.json().streams).toEqual([{ service: "auth", records: 1 }]);
    const named = await server.app.inject({
      method: "POST",
      url: "/analyze?persist=true&service=vpn",
      headers: auth,
      payload: { logs },
    });
    expect(named.json().streams).toEqual([{ service: "vpn", records: 1 }]);
  });
});

describe("MCP analyze_log_file with persist", () => {
  it("stores the file in a stream named after it and reports it in `streams`", async () => {
    const dir = join(LOGHUB_DIR, "Zookeeper");
    server = await startTestServer({ MCP_ALLOWED_DIRS: dir });
    await server.app.listen({ host: "127.0.0.1", port: 0 });
    const address = server.app.server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const client = new Client({ name: "upload-streams-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
        requestInit: { headers: auth },
      }),
    );
    try {
      const result = await call(client, "analyze_log_file", {
        filepath: join(dir, "Zookeeper_2k.log"),
        persist: true,
      });
      expect(result.isError ?? false, textOf(result)).toBe(false);
      expect(result.structuredContent?.streams).toEqual([{ service: "Zookeeper_2k", records: 2000 }]);
      expect(await storedStreams(server)).toEqual({ Zookeeper_2k: 2000 });
    } finally {
      await client.close();
    }
  });
});

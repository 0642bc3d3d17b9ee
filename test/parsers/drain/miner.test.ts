import { describe, expect, it } from "vitest";
import { DrainMiner, templateIdOf } from "../../../src/parsers/drain/index.js";

describe("DrainMiner", () => {
  it("groups lines that differ only in masked values and returns typed params", () => {
    const m = new DrainMiner();
    const a = m.add("s", "Received block blk_1 of size 67108864 from /10.0.0.1");
    const b = m.add("s", "Received block blk_-22 of size 512 from /10.0.0.2");
    expect(a.change).toBe("created");
    expect(b.change).toBe("none");
    expect(b.templateId).toBe(a.templateId);
    expect(b.template).toBe("Received block blk_<*> of size <*> from /<*>");
    expect(b.params).toEqual([
      { value: "-22", type: "num" },
      { value: "512", type: "num" },
      { value: "10.0.0.2", type: "ip" },
    ]);
  });

  it("keeps few-valued words apart and merges a position once it shows many values", () => {
    const m = new DrainMiner();
    const run = m.add("s", "task moved from NEW to RUNNING");
    const done = m.add("s", "task moved from RUNNING to DONE");
    expect(done.templateId).not.toBe(run.templateId);
    const ids = ["alice", "bob", "carol", "dave"].map((u) => m.add("s", `Invalid user ${u} from 1.2.3.4`));
    const last = ids[ids.length - 1]!;
    expect(last.template).toBe("Invalid user <*> from <*>");
    for (const r of ids) expect(m.resolve("s", r.templateId)).toBe(last.templateId);
  });

  it("merges values that vary together: a user named twice, a user and their key", () => {
    const m = new DrainMiner();
    const sudo = ["alice", "bob", "carol", "dave"].map((u) =>
      m.add("s", `${u} : TTY=pts/0 ; PWD=/home/${u} ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx`),
    );
    const last = sudo[sudo.length - 1]!;
    // Paths and numbers are masked on sight; the user in front of the line merges with its home directory.
    expect(last.template).toBe(
      "<*> : TTY=pts/<*> ; PWD=<*> ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
    );
    for (const r of sudo) expect(m.resolve("s", r.templateId)).toBe(last.templateId);

    const keys = [
      "t561I7W4mPeQ2WEsf0U4rwdaXVHSzRzfRNiJ1tqZIP",
      "Qa9xK2LmN8bV7cZ1dF4gH6jK3lP0oI5uY8tR2eW1qA",
      "Zx8C7vB6nM5aS4dF3gH2jK1lQ9wE8rT7yU6iO5pA4s",
      "Mn3Bv4Cx5Zl6Kj7Hg8Fd9Sa0Qw1Er2Ty3Ui4Op5As6d",
    ];
    const users = ["erin", "frank", "grace", "heidi"];
    const keyed = users.map((u, i) =>
      m.add("s", `Accepted publickey for ${u} from 10.0.0.${i + 1} port 22 ssh2: RSA SHA256:${keys[i]}`),
    );
    expect(keyed[3]!.template).toBe("Accepted publickey for <*> from <*> port <*> ssh2: RSA SHA<*>:<*>");
    for (const r of keyed) expect(m.resolve("s", r.templateId)).toBe(keyed[3]!.templateId);
  });

  it("marks a new template that only carries new values as a variant of the known one", () => {
    const m = new DrainMiner();
    const known = m.add("s", "Accepted password for alice from 10.0.0.1 port 22 ssh2");
    const variant = m.add("s", "Accepted password for zoe.ito92 from 10.0.0.2 port 22 ssh2");
    expect(variant).toMatchObject({ change: "created", variantOf: known.templateId });
    // Another word is another message.
    expect(m.add("s", "Rejected password for alice from 10.0.0.1 port 22 ssh2").variantOf).toBeUndefined();
    expect(m.add("s", "Accepted password for alice from 10.0.0.1 port 22 telnet").variantOf).toBeUndefined();
  });

  it("keeps a small vocabulary apart even when it varies in two places", () => {
    const m = new DrainMiner();
    const steps = [
      ["NEW", "UNASSIGNED"],
      ["UNASSIGNED", "ASSIGNED"],
      ["ASSIGNED", "RUNNING"],
      ["RUNNING", "SUCCEEDED"],
      ["SUCCEEDED", "DONE"],
    ];
    const ids = new Set(
      steps.map(([a, b]) => m.add("s", `Task Transitioned from ${a} to ${b} on node`).templateId),
    );
    expect(ids.size).toBe(steps.length);
  });

  it("does not merge first words that the line does not repeat", () => {
    const m = new DrainMiner();
    const ids = new Set(
      ["Starting", "Stopping", "Reloading", "Restarting"].map(
        (w) => m.add("s", `${w} service nginx now`).templateId,
      ),
    );
    expect(ids.size).toBe(4);
  });

  it("keeps lineage: a generalised template's old id resolves to the new one", () => {
    const m = new DrainMiner();
    const first = m.add("s", "link up on eth0 speed 1000");
    expect(first.template).toBe("link up on eth0 speed <*>");
    const second = m.add("s", "link up on eth1 speed 100");
    expect(second.change).toBe("updated");
    expect(second.previousId).toBe(first.templateId);
    expect(second.template).toBe("link up on eth<*> speed <*>");
    expect(m.resolve("s", first.templateId)).toBe(second.templateId);
    expect(m.templateOf("s", first.templateId)).toBe(second.template);
  });

  it("derives ids from content: two instances agree, streams differ", () => {
    const a = new DrainMiner();
    const b = new DrainMiner();
    const x = a.add("svc", "user 42 logged in");
    b.add("svc", "something else 7");
    const y = b.add("svc", "user 43 logged in");
    expect(y.templateId).toBe(x.templateId);
    expect(x.templateId).toBe(templateIdOf("svc", "user <*> logged in"));
    expect(x.templateId).toMatch(/^[0-9a-f]{16}$/);
    expect(a.add("other", "user 42 logged in").templateId).not.toBe(x.templateId);
  });

  it("evicts the least recently used template past the cap and counts it", () => {
    const m = new DrainMiner({ maxTemplatesPerStream: 3 });
    const first = m.add("s", "alpha happened");
    m.add("s", "beta happened twice");
    m.add("s", "gamma happened three times");
    m.add("s", "alpha happened"); // refreshes alpha: beta is now the oldest
    m.add("s", "delta is a new event here now");
    const stats = m.stats();
    expect(stats.templates).toBe(3);
    expect(stats.evictions).toBe(1);
    expect(m.templates().map((t) => t.template)).not.toContain("beta happened twice");
    expect(m.match("s", "alpha happened")?.templateId).toBe(first.templateId);
  });

  it("caps tokens per line, folding the rest into the last token", () => {
    const m = new DrainMiner({ maxTokensPerLine: 4 });
    const r = m.add("s", "a b c d e f g");
    expect(r.template).toBe("a b c d e f g");
    expect(r.template.split(" ").length).toBe(7);
    expect(m.stats().truncatedLines).toBe(1);
    m.add("s", "a b c");
    expect(m.stats().truncatedLines).toBe(1);
  });

  it("round-trips its state: same ids, same matching, same lineage", () => {
    const m = new DrainMiner();
    const lines = [
      "Accepted password for root from 1.2.3.4 port 22 ssh2",
      "Accepted password for admin from 1.2.3.5 port 23 ssh2",
      "link up on eth0 speed 1000",
      "link up on eth1 speed 100",
      "Connection closed by 5.6.7.8 [preauth]",
    ];
    const first = lines.map((l) => m.add("s", l, "2024-01-01T00:00:00.000Z"));
    const state = JSON.parse(JSON.stringify(m.exportState())) as unknown;
    expect((state as { version: number }).version).toBe(1);
    const fresh = new DrainMiner();
    fresh.importState(state);
    expect(fresh.templates()).toEqual(m.templates());
    expect(fresh.stats()).toEqual(m.stats());
    expect(fresh.resolve("s", first[2]!.templateId)).toBe(m.resolve("s", first[2]!.templateId));
    const next = "Connection closed by 9.9.9.9 [preauth]";
    expect(fresh.add("s", next)).toEqual(m.add("s", next));
    expect(() => fresh.importState({ version: 2 })).toThrow(/version/);
  });

  it("imports a state as it was saved: siblings that lived apart are not merged by the import", () => {
    // Two templates of one stream that the merge rules would join (they differ only in a masked host
    // shape), as a live miner can hold them when the sibling that kept them apart was evicted since.
    const one = (line: string) => {
      const m = new DrainMiner();
      m.add("sshd", line);
      return m.exportState();
    };
    const a = one("reverse mapping checking getaddrinfo for 1-2-3-4.user.example.br [1.2.3.4] failed");
    const b = one("reverse mapping checking getaddrinfo for 5-6-7-8.rev.example.eu [5.6.7.8] failed");
    const saved = {
      ...a,
      streams: [{ ...a.streams[0]!, templates: [...a.streams[0]!.templates, ...b.streams[0]!.templates] }],
    };
    const m = new DrainMiner();
    m.importState(JSON.parse(JSON.stringify(saved)));
    expect(
      m
        .templates()
        .map((t) => t.template)
        .sort(),
    ).toEqual([...a.streams[0]!.templates, ...b.streams[0]!.templates].map((t) => t.tokens.join(" ")).sort());
    expect(m.exportState()).toEqual(saved);
  });

  it("match() is read-only", () => {
    const m = new DrainMiner();
    m.add("s", "disk 1 is full");
    expect(m.match("s", "disk 7 is full")?.template).toBe("disk <*> is full");
    expect(m.match("s", "never seen")).toBeNull();
    expect(m.match("nope", "disk 1 is full")).toBeNull();
    expect(m.stats().templates).toBe(1);
  });
});

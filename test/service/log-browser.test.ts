import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordToAppend } from "../../src/core/log-store.js";
import {
  browseLogs,
  type LogBrowserDeps,
  logContext,
  logFacets,
  logHistogram,
} from "../../src/service/log-browser.js";
import { logsTableStore } from "../../src/store/logs-table-store.js";
import { currentTemplateTexts, saveTemplates } from "../../src/store/repos/templates.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../helpers/stores.js";

const T0 = Date.parse("2026-03-01T08:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const GENERAL = "session opened for user <*>";

/**
 * Templates as the miner leaves them: `sshd-old` generalised into `sshd-new`; `web-same` has the same text
 * in another stream; `ghost` has no row (its lines are not in the template facet).
 */
const TEMPLATES = [
  { stream: "sshd", templateId: "sshd-old", template: "session opened for user alice" },
  { stream: "sshd", templateId: "sshd-new", template: GENERAL },
  { stream: "web", templateId: "web-same", template: GENERAL },
  { stream: "kernel", templateId: "kern-1", template: "link <*> up" },
];

/** [service, template id, how many lines]: 19 lines, one a minute in this order. */
const LINES: [string, string | null, number][] = [
  ["sshd", "sshd-old", 2],
  ["kernel", "kern-1", 4],
  ["sshd", "sshd-new", 3],
  ["cron", "ghost", 5],
  ["web", "web-same", 2],
  ["cron", null, 1],
  ["sshd", "sshd-new", 2],
];

function records(): RecordToAppend[] {
  return LINES.flatMap(([service, templateId, n]) =>
    Array.from({ length: n }, () => ({ service, templateId })),
  ).map(({ service, templateId }, i) => ({
    timestamp: iso(T0 + i * 60_000),
    observedTimestamp: iso(T0 + i * 60_000),
    severityText: "INFO",
    severityNumber: 9,
    body: `line ${i} of ${service}`,
    attributes: {},
    resource: { "service.name": service },
    stream: service,
    templateId,
    params: null,
  }));
}

describe.each(DIALECTS)("the log browser on $name", ({ open, needsPostgres }) => {
  let t: TestStore | undefined;
  let deps: LogBrowserDeps;
  let refs: number[] = [];
  beforeAll(async () => {
    if (needsPostgres && !(await postgresAvailable())) return;
    t = await open();
    deps = { store: t.store, logs: logsTableStore(t.store) };
    const seen = { count: 1, firstSeen: iso(T0), lastSeen: iso(T0) };
    await t.store.transaction(async (tx) => {
      await saveTemplates(
        tx.db,
        TEMPLATES.map((tp) => ({ ...tp, ...seen })),
        [{ stream: "sshd", fromId: "sshd-old", toId: "sshd-new" }],
      );
    });
    refs = await t.store.transaction((tx) => deps.logs.append(tx, records(), iso(T0)));
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it("counts templates by their current text before keeping the busiest", async (ctx) => {
    if (!t) return ctx.skip();
    expect(await logFacets(deps, {}, 6)).toEqual({
      services: [
        { name: "sshd", count: 7 },
        { name: "cron", count: 6 },
        { name: "kernel", count: 4 },
        { name: "web", count: 2 },
      ],
      templates: [
        { name: GENERAL, count: 9, template_ids: ["sshd-new", "sshd-old", "web-same"] },
        { name: "link <*> up", count: 4, template_ids: ["kern-1"] },
      ],
    });
    // By id the busiest have 5 lines (`sshd-new`, and `ghost` without a row); merged by text, 9.
    expect(await logFacets(deps, {}, 1)).toEqual({
      services: [{ name: "sshd", count: 7 }],
      templates: [{ name: GENERAL, count: 9, template_ids: ["sshd-new", "sshd-old", "web-same"] }],
    });
    expect((await logFacets(deps, { service: "web" }, 6)).templates).toEqual([
      { name: GENERAL, count: 2, template_ids: ["web-same"] },
    ]);
  });

  it("filters by template ids, one hop of lineage included, in the list, the histogram and the facets", async (ctx) => {
    if (!t) return ctx.skip();
    // The current id alone brings the lines mined before it generalised (sshd-old's 2).
    const current = await browseLogs(deps, { templateIds: ["sshd-new"] }, { limit: 100 });
    expect(current.map((l) => l.template_id).sort()).toEqual([
      "sshd-new",
      "sshd-new",
      "sshd-new",
      "sshd-new",
      "sshd-new",
      "sshd-old",
      "sshd-old",
    ]);
    const facetIds = ["sshd-new", "sshd-old", "web-same"];
    expect((await logHistogram(deps, { templateIds: facetIds }, 3)).total).toBe(9);
    expect((await logFacets(deps, { templateIds: facetIds }, 6)).services).toEqual([
      { name: "sshd", count: 7 },
      { name: "web", count: 2 },
    ]);
    expect(await browseLogs(deps, { templateIds: ["no-such-id"] }, { limit: 100 })).toEqual([]);
  });

  it("shows each line's current template, and none for a template without a row", async (ctx) => {
    if (!t) return ctx.skip();
    const page = await browseLogs(deps, {}, { limit: 100 });
    expect(page).toHaveLength(19);
    const byId = new Map(page.map((l) => [l.id, l]));
    expect(byId.get(refs[0]!)).toMatchObject({ template_id: "sshd-old", template: GENERAL });
    expect(byId.get(refs[2]!)).toMatchObject({ template_id: "kern-1", template: "link <*> up" });
    expect(byId.get(refs[9]!)).toMatchObject({ template_id: "ghost", template: null });
    expect(byId.get(refs[16]!)).toMatchObject({ template_id: null, template: null, service: "cron" });

    const around = await logContext(deps, refs[1]!, { before: 1, after: 2 });
    expect(around?.line).toMatchObject({ id: refs[1], template: GENERAL, message: "line 1 of sshd" });
    expect(around?.before.map((l) => l.id)).toEqual([refs[0]]);
    // The sshd lines after it skip the kernel lines between them.
    expect(around?.after.map((l) => [l.id, l.template])).toEqual([
      [refs[6], GENERAL],
      [refs[7], GENERAL],
    ]);
    expect(await logContext(deps, refs.at(-1)! + 1_000, { before: 1, after: 1 })).toBeNull();
  });

  it("draws the histogram over the matching lines' own period unless given one", async (ctx) => {
    if (!t) return ctx.skip();
    const own = await logHistogram(deps, { service: "kernel" }, 4);
    // Kernel lines at minutes 2–5, over [2 min, 5 min + 1 ms): four buckets of 46 s, one line in each.
    expect(own).toEqual({
      since: iso(T0 + 2 * 60_000),
      until: iso(T0 + 5 * 60_000 + 1),
      interval_ms: 46_000,
      total: 4,
      buckets: [0, 1, 2, 3].map((i) => ({ start: iso(T0 + 2 * 60_000 + i * 46_000), count: 1 })),
    });
    const given = await logHistogram(deps, { since: iso(T0), until: iso(T0 + 10 * 60_000) }, 2);
    expect(given.buckets).toEqual([
      { start: iso(T0), count: 5 },
      { start: iso(T0 + 5 * 60_000), count: 5 },
    ]);
    expect(await logHistogram(deps, { q: "nowhere" }, 10)).toEqual({
      since: null,
      until: null,
      interval_ms: 0,
      total: 0,
      buckets: [],
    });
  });

  it("looks template texts up in chunks, whatever the number of ids", async (ctx) => {
    if (!t) return ctx.skip();
    const many = Array.from({ length: 2_500 }, (_, i) => `bulk-${i}`);
    const seen = { count: 1, firstSeen: iso(T0), lastSeen: iso(T0) };
    await t.store.transaction((tx) =>
      saveTemplates(
        tx.db,
        many.map((templateId, i) => ({ stream: "bulk", templateId, template: `bulk ${i} <*>`, ...seen })),
      ),
    );
    const texts = await currentTemplateTexts(t.store.db, [...many, "sshd-old", "missing"]);
    expect(texts.size).toBe(2_501);
    expect(texts.get("bulk-2499")).toBe("bulk 2499 <*>");
    expect(texts.get("sshd-old")).toBe(GENERAL);
    expect(texts.has("missing")).toBe(false);
  });
});

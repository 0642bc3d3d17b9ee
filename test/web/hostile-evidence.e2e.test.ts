import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { auth, type TestServer } from "../helpers/runtime.js";
import { type Browser, browserAvailable, closeDashboard, openDashboard, signIn } from "./browser.js";

const SHOTS = join(REPO, "test-artifacts/screenshots");

interface Finding {
  id: number;
  template_id: string | null;
  evidence_records: { message: string; template_id: string | null }[];
}

/**
 * Issue 49 ("pages survive any data"): evidence lines that almost fit the finding's template. The page
 * matched each line with a lazy regular expression built from the template, `^(.+?) (.+?) … END$`, which
 * backtracked through every way of splitting 200 words among 8 wildcards: the tab's main thread stayed
 * busy for minutes.
 */
describe.skipIf(!browserAvailable())("a finding whose evidence almost fits its template (Chromium)", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    ({ server, base, browser, page } = await openDashboard({}, SHOTS));
  }, 120_000);

  afterAll(() => closeDashboard(browser, server));

  it("shows the evidence of an error burst within 2 s", async () => {
    const long = `ERR ${Array.from({ length: 200 }, (_, i) => i).join(" ")} NOTEND`;
    const now = Date.now();
    const logs = [
      ...Array.from({ length: 19 }, (_, i) => ({
        timestamp: new Date(now - 20_000 + i * 500).toISOString(),
        service: "hostile",
        level: "ERROR",
        message: long,
      })),
      // The newest line: its template, eight wildcards then END, is the one the page matches lines to.
      {
        timestamp: new Date(now - 1000).toISOString(),
        service: "hostile",
        level: "ERROR",
        message: "ERR 1 2 3 4 5 6 7 8 END",
      },
    ];
    const ingest = await fetch(`${base}/ingest`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(logs),
    });
    expect(ingest.status).toBe(200);

    // The default threshold (20 errors a minute) makes these twenty lines an error burst.
    const list = (await (
      await fetch(`${base}/api/v1/anomalies?agent_name=error_burst`, { headers: auth })
    ).json()) as { id: number }[];
    expect(list).toHaveLength(1);
    const finding = (await (
      await fetch(`${base}/api/v1/anomalies/${list[0]!.id}`, { headers: auth })
    ).json()) as Finding;
    const evidence = finding.evidence_records;
    expect(evidence).toHaveLength(20);
    expect(evidence.filter((e) => e.message.endsWith(" 198 199 NOTEND"))).toHaveLength(19);
    // The template the page matches each line to: the newest line's, once saved (every few seconds).
    const templateId = finding.template_id ?? evidence.at(-1)!.template_id;
    expect(templateId).toBeTruthy();
    let template = "";
    await expect
      .poll(async () => {
        const res = await fetch(`${base}/api/v1/templates/${encodeURIComponent(templateId!)}`, {
          headers: auth,
        });
        template = res.ok ? ((await res.json()) as { template: string }).template : "";
        return template;
      })
      .toMatch(/ END$/);
    // Many wildcards, and the long lines end otherwise: the shape that backtracked.
    expect(template.split("<*>").length - 1).toBeGreaterThanOrEqual(8);
    expect(long.endsWith(" END")).toBe(false);

    await signIn(page, base);
    const started = Date.now();
    await page.goto(`${base}/ui/anomalies/${finding.id}`);
    const lines = page.getByTestId("evidence-line");
    await lines.first().waitFor({ timeout: 10_000 });
    const elapsed = Date.now() - started;
    expect(elapsed, `evidence shown ${elapsed} ms after navigating`).toBeLessThan(2000);

    // The 19 long lines share a template of their own (shown once, ×19); the newest fits the finding's.
    expect(await lines.count()).toBe(2);
    await expect.poll(() => page.getByText("×19").count()).toBe(1);
    // The template above the evidence shows the newest line's eight values.
    expect(await page.locator(".tpl mark.param").allTextContents()).toEqual([
      "1",
      "2",
      "3",
      "4",
      "5",
      "6",
      "7",
      "8",
    ]);
    await page.screenshot({ path: join(SHOTS, "hostile-evidence.png"), fullPage: true });
  }, 120_000);
});

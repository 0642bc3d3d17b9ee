import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { ADMIN_TOKEN, auth, type TestServer } from "../helpers/runtime.js";
import { type Browser, browserAvailable, closeDashboard, openDashboard } from "./browser.js";

// docs/dashboard.md's screenshot is rewritten only when asked (DOCS_SCREENSHOTS=1), so a test run leaves
// the work tree clean.
const IMG = process.env.DOCS_SCREENSHOTS ? join(REPO, "docs/img") : join(REPO, "test-artifacts/screenshots");
const IP = "203.0.113.77";

describe.skipIf(!browserAvailable())("suppressions in the dashboard (Chromium)", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    ({ server, base, browser, page } = await openDashboard(
      { BRUTE_FORCE_THRESHOLD: "5", VOLUME_ENABLED: "false" },
      IMG,
    ));
  }, 120_000);

  afterAll(() => closeDashboard(browser, server));

  it("the verdict dialog says what it suppresses and until when; the page lists it and revokes it", async () => {
    const logs = Array.from({ length: 5 }, (_, i) => ({
      timestamp: new Date(Date.now() - (5 - i) * 1000).toISOString(),
      service: "sshd",
      message: `Failed password for invalid user admin${i} from ${IP} port 4${i}22 ssh2`,
    }));
    const ingest = await fetch(`${base}/ingest`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(logs),
    });
    expect(ingest.status).toBe(200);
    const list = (await (
      await fetch(`${base}/api/v1/anomalies?agent_name=brute_force`, { headers: auth })
    ).json()) as { id: number; key?: string; description: string }[];
    const judged = list.find((a) => a.description.includes(IP))!;
    expect(judged).toBeDefined();

    await page.goto(`${base}/`);
    await page.getByLabel("API token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/ui\/overview/);
    await page.goto(`${base}/ui/anomalies/${judged.id}`);
    await page.getByLabel("Comment (kept in the audit log)").fill("our nightly pentest");
    await page.getByRole("button", { name: "Mark false positive", exact: true }).click();

    // Before confirming: detector, entity, scope, ceiling and end date, from the server's preview.
    const dialog = page.getByRole("dialog");
    const preview = dialog.getByTestId("suppression-preview");
    await preview.waitFor();
    const text = (await preview.textContent()) ?? "";
    expect(text).toContain(`brute_force findings on ip:${IP} scoring at most 0.6`);
    expect(text).toContain("Scope: this entity only");
    expect(text).toMatch(/until \S/);
    expect(text).toContain("Stronger findings");
    const expires = await preview.locator("time").getAttribute("datetime");
    expect(Math.abs(Date.parse(expires!) - (Date.now() + 30 * 86_400_000))).toBeLessThan(120_000);
    // Nothing is written until the user confirms.
    expect(
      ((await (await fetch(`${base}/api/v1/suppressions`, { headers: auth })).json()) as { total: number })
        .total,
    ).toBe(0);
    await dialog.getByRole("button", { name: "Mark false positive and suppress" }).click();
    await page.getByTestId("anomaly-status").getByText("false positive").waitFor();

    // From the anomaly to its entity's suppressions.
    await page.getByRole("link", { name: `Suppressions of ip:${IP}` }).click();
    await page.waitForURL(/\/ui\/suppressions\?entity=/);
    const row = page.getByRole("table", { name: "Suppressions" }).locator("tbody tr");
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    const cells = (await row.first().textContent()) ?? "";
    expect(cells).toContain(`brute_force findings on ip:${IP} scoring at most 0.6`);
    expect(cells).toContain("API_TOKEN");
    expect(cells).toContain("our nightly pentest");
    mkdirSync(IMG, { recursive: true });
    await page.screenshot({ path: join(IMG, "suppressions.png"), fullPage: true });

    // Searching by text that matches nothing empties the list; the Settings page links here.
    await page.goto(`${base}/ui/settings`);
    await page.getByRole("link", { name: "list, search and revoke suppressions" }).click();
    await page.getByLabel("Text").fill("no such reason");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText("No suppressions match").waitFor();
    await page.getByLabel("Text").fill("PENTEST");
    await page.getByRole("button", { name: "Search" }).click();
    await row.first().waitFor();

    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Revoke" }).click();
    await page
      .getByRole("status")
      .getByText(/revoked/)
      .waitFor();
    const lifted = (await (
      await fetch(`${base}/api/v1/suppressions?state=lifted`, { headers: auth })
    ).json()) as { items: { lifted_by: string }[] };
    expect(lifted.items).toMatchObject([{ lifted_by: "API_TOKEN" }]);
    expect(server.rt.pipeline.suppressions.size).toBe(0);
  }, 120_000);
});

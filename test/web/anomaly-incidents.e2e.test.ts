import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeAnomalies } from "../../src/store/repos/anomalies.js";
import { REPO } from "../helpers/cli.js";
import { ATTACKER, OTHER_ADDRESS, twoEntityFindings } from "../helpers/incident-findings.js";
import type { TestServer } from "../helpers/runtime.js";
import { type Browser, browserAvailable, closeDashboard, openDashboard, signIn } from "./browser.js";

const SHOTS = join(REPO, "test-artifacts/screenshots");

/**
 * The Anomalies page's Incidents view on a real server and SQLite store: findings about two entities
 * (an address that broke into alice, three findings; another address trying bob, one) show as two
 * incidents, each expanding into its findings, within the shared time range picker.
 */
describe.skipIf(!browserAvailable())("anomaly incidents in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    ({ server, base, browser, page } = await openDashboard({}, SHOTS));
    // Alice's incident 3.5 hours ago, bob's half an hour ago: both in the last day, only bob's in the last hour.
    const t0 = Date.now() - 210 * 60_000;
    await storeAnomalies(server.rt.store.db, twoEntityFindings(t0), new Date().toISOString());
    await signIn(page, base);
  }, 120_000);

  afterAll(() => closeDashboard(browser, server));

  const rows = () => page.getByRole("table", { name: "Anomaly incidents" }).locator("tr[data-incident-id]");

  it("groups the findings by the address and account they concern", async () => {
    await page.goto(`${base}/ui/anomalies`);
    await page.locator("tr[data-anomaly-id]").first().waitFor();
    expect(await page.locator("tr[data-anomaly-id]").count()).toBe(4);
    await page.screenshot({ path: join(SHOTS, "anomaly-findings-view.png") });
    await page
      .getByRole("navigation", { name: "Anomaly view" })
      .getByRole("link", { name: "Incidents" })
      .click();
    await page.getByText("4 findings grouped into 2 incidents").waitFor();
    expect(page.url()).toContain("view=incidents");
    await expect(
      page.getByRole("link", { name: "Incidents", exact: true }).getAttribute("aria-current"),
    ).resolves.toBe("page");
    expect(await rows().count()).toBe(2);

    // Most recently active first: bob's attacker, then the address that got into alice's account.
    const [bob, alice] = [rows().nth(0), rows().nth(1)];
    expect(await bob.locator("[data-entity]").allTextContents()).toEqual([
      `Address${OTHER_ADDRESS}`,
      "Userbob",
    ]);
    expect(await bob.locator("td.mono").textContent()).toBe("brute_force");
    expect(await bob.getByRole("button").textContent()).toBe("1 finding ▸");
    expect(await bob.locator(".sev").textContent()).toBe("medium");

    expect(await alice.locator("[data-entity]").allTextContents()).toEqual([
      `Address${ATTACKER}`,
      "Useralice",
    ]);
    expect(await alice.locator("td.mono").textContent()).toBe(
      "brute_force, success_after_failures, new_source_ip",
    );
    expect(await alice.getByRole("button").textContent()).toBe("3 findings ▸");
    // Three signals about one account add up: 1 − (0.1 × 0.2 × 0.5) is critical.
    expect(await alice.locator(".sev").textContent()).toBe("critical");
    expect(await alice.textContent()).toContain("over 11 min");
    await page.getByRole("navigation", { name: "Incident pages" }).getByText("1–2 of 2").waitFor();
    await page.screenshot({ path: join(SHOTS, "anomaly-incidents.png"), fullPage: true });
  });

  it("expands an incident into its findings, oldest first, each opening its detail", async () => {
    const alice = rows().nth(1);
    const id = await alice.getAttribute("data-incident-id");
    await alice.getByRole("button", { name: "3 findings" }).click();
    expect(await alice.getByRole("button").getAttribute("aria-expanded")).toBe("true");
    const findings = page.getByRole("table", { name: `Findings of incident ${id}` });
    await findings.locator("tr[data-anomaly-id]").nth(2).waitFor();
    expect(await findings.locator("tr[data-anomaly-id] td.mono").allTextContents()).toEqual([
      "brute_force",
      "success_after_failures",
      "new_source_ip",
    ]);
    // The incident's id is its first anomaly's.
    expect(await findings.locator("tr[data-anomaly-id]").first().getAttribute("data-anomaly-id")).toBe(id);
    await page.screenshot({ path: join(SHOTS, "anomaly-incidents-expanded.png"), fullPage: true });

    await findings.getByRole("link", { name: `alice logged in from ${ATTACKER} after 12 failures` }).click();
    await page.waitForURL(/\/ui\/anomalies\/\d+$/);
    await page.getByRole("heading", { name: /alice logged in from/ }).waitFor();
    await page.goBack();
    await page.getByText("4 findings grouped into 2 incidents").waitFor();
  });

  it("follows the time range picker, in the URL, and says when a range holds nothing", async () => {
    await page.getByLabel("Time range").selectOption("1h");
    await page.getByText("1 finding grouped into 1 incident").waitFor();
    expect(page.url()).toContain("range=1h");
    expect(page.url()).toContain("view=incidents");
    expect(await rows().count()).toBe(1);
    expect(await rows().first().locator("[data-entity]").first().textContent()).toBe(
      `Address${OTHER_ADDRESS}`,
    );

    await page.getByLabel("Time range").selectOption("15m");
    await page.getByText("No anomalies in this time range").waitFor();

    // A shared link opens the same view; a 5-minute window parts the brute force from the login 10 minutes on.
    await page.goto(`${base}/ui/anomalies?view=incidents&range=24h&window=300`);
    await page.getByText("4 findings grouped into 3 incidents").waitFor();
    expect(await page.getByLabel("Grouping window").inputValue()).toBe("300");
  });
});

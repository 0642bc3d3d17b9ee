import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { ADMIN_TOKEN, startTestServer, type TestServer } from "../helpers/runtime.js";
import { noteSkip } from "../helpers/skips.js";
import { ensureWebBuilt } from "./build.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Flags for Debian's Chromium in a container (see /work/shared/docs/services-recipes.md). */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

/**
 * Whether browser tests can run. Locally a missing Chromium skips them with a message; in CI (`CI` set)
 * it must be there, so the suite fails instead of passing silently.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing; CI installs it (apt-get install chromium)`);
  noteSkip("browser tests", `${CHROMIUM} not found (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  return false;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile per run, so no session storage or cache leaks between runs. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "logwarden-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1366, height: 860 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A fresh browser profile with one page whose waits time out after `timeoutMs`. */
export async function launchPage(timeoutMs = 15_000): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  page.setDefaultTimeout(timeoutMs);
  return { browser, page };
}

/** Makes a test server listen on a free loopback port; returns its base URL. */
export async function listenLocal(server: TestServer): Promise<string> {
  await server.app.listen({ port: 0, host: "127.0.0.1" });
  const address = server.app.server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

/** A dashboard under test: a fresh server on a loopback port serving the web build, and Chromium on a blank page. */
export interface DashboardUnderTest {
  server: TestServer;
  base: string;
  browser: Browser;
  page: Page;
}

/**
 * Builds the web app if needed, starts a test server with `env` on a free loopback port and opens
 * Chromium (waits time out after `timeoutMs`); makes `shots`, where the test's screenshots go.
 */
export async function openDashboard(
  env: Record<string, string>,
  shots: string,
  timeoutMs = 15_000,
): Promise<DashboardUnderTest> {
  ensureWebBuilt();
  mkdirSync(shots, { recursive: true });
  const server = await startTestServer(env);
  const base = await listenLocal(server);
  const { browser, page } = await launchPage(timeoutMs);
  return { server, base, browser, page };
}

/** Closes what `openDashboard` opened, whatever part of it did open. */
export async function closeDashboard(browser: Browser | undefined, server: TestServer | undefined) {
  await browser?.close();
  await server?.close();
}

/** Signs in with the admin token from the sign-in page and waits for the Overview. */
export async function signIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel("API token").fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/ui\/overview/);
}

import { userInfo } from "node:os";
import type { Command } from "commander";
import type { Config } from "../../config/schema.js";
import { terminalSafe, terminalSafeJson } from "../../core/terminal-safe.js";
import type { Store } from "../../store/db.js";
import { addConfigOptions, configFromFlags, type FlagValues, fail } from "../config-flags.js";

/**
 * Opens the configured store (migrated), runs `fn`, closes it. `reading`: the command only reads, so a
 * SQLite file that does not exist is an error naming it (opening it would create an empty database
 * there, and the command would answer nothing as if the store were empty).
 */
export async function withStore<T>(
  flags: FlagValues,
  fn: (store: Store, config: Config) => Promise<T>,
  options: { reading?: boolean } = {},
): Promise<T> {
  const config = await configFromFlags(flags);
  const { databaseUrlFor, openConfiguredStore, storeMayExist } = await import("../../store/db.js");
  const url = databaseUrlFor(config);
  if (options.reading && !storeMayExist(url))
    throw new Error(
      `no database at ${url}: pass --data-dir (or DATA_DIR) where \`logwarden serve\` keeps its data`,
    );
  const store = openConfiguredStore(config);
  try {
    await store.migrate();
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

/** The audit log's actor for changes made on the command line. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}

export function registerTokenCommand(program: Command): void {
  const token = program.command("token").description("API tokens: create, list, revoke");

  addConfigOptions(token.command("create"))
    .description("create a token and print it once (only its hash is stored)")
    .requiredOption("-n, --name <name>", "who or what uses it, e.g. 'log shipper web-1'")
    .option("-s, --scopes <list>", "comma-separated: read, ingest, admin", "read")
    .option("--json", "print {id, name, scopes, token} as JSON")
    .action(async (opts: FlagValues & { name: string; scopes: string; json?: boolean }) => {
      try {
        const { SCOPES } = await import("../../store/repos/tokens.js");
        const scopes = opts.scopes
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
        if (bad.length > 0 || scopes.length === 0)
          throw new Error(`--scopes must list ${SCOPES.join(", ")}; got '${opts.scopes}'`);
        const name = opts.name.trim();
        if (name === "" || name.length > 100) throw new Error("--name must be 1 to 100 characters");
        const { issueToken } = await import("../../service/tokens.js");
        const { token: secret, info } = await withStore(opts, (store) =>
          issueToken(store.db, { name, scopes: scopes as (typeof SCOPES)[number][], actor: cliActor() }),
        );
        if (opts.json) {
          process.stdout.write(
            `${terminalSafeJson(JSON.stringify({ id: info.id, name: info.name, scopes: info.scopes, token: secret }))}\n`,
          );
        } else {
          process.stdout.write(
            `created token ${info.id} '${terminalSafe(info.name)}' (${info.scopes.join(", ")}). It is shown only this once:\n\n  ${secret}\n\n`,
          );
        }
      } catch (error) {
        fail(error);
      }
    });

  addConfigOptions(token.command("list"))
    .description("list tokens (never the tokens themselves)")
    .option("--json", "print a JSON array")
    .action(async (opts: FlagValues & { json?: boolean }) => {
      try {
        const { listTokens } = await import("../../service/tokens.js");
        const tokens = await withStore(opts, (store) => listTokens(store.db), { reading: true });
        if (opts.json) {
          process.stdout.write(`${terminalSafeJson(JSON.stringify(tokens))}\n`);
          return;
        }
        // Names are anyone's text (an admin may create tokens over the API): shown with control characters escaped.
        const rows = tokens.map((t) =>
          [
            String(t.id),
            t.name,
            t.scopes.join(","),
            t.createdAt,
            t.lastUsedAt ?? "-",
            t.revokedAt ? `revoked ${t.revokedAt}` : "active",
          ].map(terminalSafe),
        );
        const head = ["ID", "NAME", "SCOPES", "CREATED", "LAST USED", "STATUS"];
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
        for (const r of [head, ...rows]) {
          process.stdout.write(
            `${r
              .map((c, i) => c.padEnd(widths[i]!))
              .join("  ")
              .trimEnd()}\n`,
          );
        }
      } catch (error) {
        fail(error);
      }
    });

  addConfigOptions(token.command("revoke"))
    .description("revoke a token by id; it stops working at once")
    .argument("<id>", "token id (see token list)")
    .action(async (id: string, opts: FlagValues) => {
      try {
        if (!/^[1-9]\d{0,14}$/.test(id)) throw new Error(`token id must be a positive integer, not '${id}'`);
        const { withdrawToken } = await import("../../service/tokens.js");
        const info = await withStore(opts, (store) =>
          withdrawToken(store.db, { id: Number(id), actor: cliActor() }),
        );
        process.stdout.write(`revoked token ${info.id} '${terminalSafe(info.name)}'\n`);
      } catch (error) {
        fail(error);
      }
    });
}

#!/usr/bin/env node
/**
 * The layering check (issue 51 item 3, docs/architecture.md "Layers"), run by `npm run lint`. Fails, naming
 * each offending import or file, on:
 *
 * (a) an import circle among src files, type-only imports included (`import type` and `import("…")` types
 *     too: a circle of types is still two modules that cannot be understood one without the other);
 * (b) an import from a layer up to a higher one, or between two folders of one layer (`LAYERS`: a row is a
 *     layer, lowest first; the folders of a row are independent of one another);
 * (c) an import of a folder that only some files may import (`ONLY_IMPORTED_BY`);
 * (d) a src file over `MAX_LINES` lines whose header (the comment it opens with) does not say why, with
 *     `one module:` (a hot loop kept whole, say).
 *
 * Imports are read with regular expressions, not a parser (no dependency): `import … from "…"`,
 * `export … from "…"`, `import "…"` and `import("…")`, relative ones only (packages are no layer).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The layers, lowest first: a folder of src/ may import its own files and the folders of lower rows, never
 * a higher row nor another folder of its own row.
 */
const LAYERS = [
  // Types and pure helpers, no I/O.
  ["core"],
  // Worker-thread plumbing (module threads, owned bytes, priorities): no domain.
  ["threads"],
  // The settings' shapes and loader; the stores (the database, the log stores, the repositories); the
  // template miner and the decoders; incident grouping; the Sigma rule engine. Each on core alone (and threads).
  ["config", "store", "parsers", "correlate", "sigma"],
  // The stages that read their settings (detectors, sources, sinks; sinks read stored anomalies) and logging.
  ["telemetry", "detectors", "sources", "sinks"],
  // What composes stages and store: the ingest pipeline (mine, store, detect in one transaction), system
  // 001's triage, the Hasura analytics.
  ["pipeline", "triage", "hasura"],
  // Several nodes: partitions of the pipeline (only the composition root runs it, `ONLY_IMPORTED_BY`).
  ["distribution"],
  // The use-cases, and the `Runtime` type they take (service/runtime.ts).
  ["service"],
  // The composition root: what builds and starts a running Logwarden (createRuntime, the stores opened,
  // sources, sinks, the detector timers, the triage worker). Called by the doors, never by a use-case.
  ["runtime"],
  // The doors, thin over the use-cases: MCP, HTTP (which serves MCP too), the CLI (which starts HTTP).
  ["mcp"],
  ["api"],
  ["cli"],
];

/** Folders only the files listed (paths under src/) may import, besides the folder's own files. */
const ONLY_IMPORTED_BY = {
  // The composition root starts a cluster node's partitions; `Runtime.cluster` is typed by them (a type,
  // erased at build: a single node never loads src/distribution).
  distribution: ["runtime/create-runtime.ts", "service/runtime.ts"],
};

/** Lines a src file may have without saying why it is longer (`one module:` in its header). */
const MAX_LINES = 600;
const MARKER = /one module:/i;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SRC = join(ROOT, "src");

const IMPORT_FROM = /^[ \t]*import\s[^;]*?\sfrom\s*["']([^"']+)["']/gm;
const EXPORT_FROM =
  /^[ \t]*export\s+(?:type\s+)?(?:\{[^}]*\}|\*(?:\s+as\s+[\w$]+)?)\s*from\s*["']([^"']+)["']/gm;
const IMPORT_BARE = /^[ \t]*import\s*["']([^"']+)["']/gm;
const IMPORT_CALL = /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** Whether the match at `index` sits in a line comment or a block comment's line (`//`, ` * `). */
function inComment(text, index) {
  const lineStart = text.lastIndexOf("\n", index) + 1;
  const before = text.slice(lineStart, index);
  return before.includes("//") || /^\s*(\*|\/\*)/.test(before);
}

/** The relative specifiers a file imports, each with its line. */
function importsOf(text) {
  const found = [];
  for (const re of [IMPORT_FROM, EXPORT_FROM, IMPORT_BARE, IMPORT_CALL]) {
    for (const m of text.matchAll(re)) {
      if (!m[1].startsWith(".")) continue;
      if (re === IMPORT_CALL && inComment(text, m.index)) continue;
      const at = m.index + m[0].lastIndexOf(m[1]);
      found.push({ specifier: m[1], line: text.slice(0, at).split("\n").length });
    }
  }
  return found;
}

/** The comments a file opens with (blank lines between them included), as text. */
function headerOf(text) {
  let rest = text;
  let header = "";
  for (;;) {
    const trimmed = rest.replace(/^\s+/, "");
    if (trimmed.startsWith("//")) {
      const end = trimmed.indexOf("\n");
      header += trimmed.slice(0, end === -1 ? undefined : end);
      rest = end === -1 ? "" : trimmed.slice(end);
    } else if (trimmed.startsWith("/*")) {
      const end = trimmed.indexOf("*/");
      if (end === -1) return header + trimmed;
      header += trimmed.slice(0, end + 2);
      rest = trimmed.slice(end + 2);
    } else return header;
  }
}

const rankOf = new Map();
LAYERS.forEach((row, rank) => {
  for (const folder of row) rankOf.set(folder, rank);
});

const problems = [];
const files = sourceFiles(SRC);
const known = new Set(files.map((f) => relative(SRC, f).split(sep).join("/")));
/** src-relative path → the src files it imports. */
const graph = new Map();
let imports = 0;

for (const file of files) {
  const from = relative(SRC, file).split(sep).join("/");
  const text = readFileSync(file, "utf8");
  const lines = text.length === 0 ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  if (lines > MAX_LINES && !MARKER.test(headerOf(text)))
    problems.push(
      `src/${from}: ${lines} lines (over ${MAX_LINES}), and its header does not say why with "one module:"`,
    );
  const folder = from.split("/")[0];
  if (!from.includes("/")) problems.push(`src/${from}: a file directly under src/ is in no layer`);
  else if (!rankOf.has(folder))
    problems.push(`src/${folder}/ is in no layer: add it to LAYERS (scripts/check-layers.mjs)`);
  const targets = new Set();
  for (const { specifier, line } of importsOf(text)) {
    const target = relative(SRC, resolve(dirname(file), specifier.replace(/\.js$/, ".ts")))
      .split(sep)
      .join("/");
    if (target.startsWith("..")) continue; // outside src/ (package.json, scripts): no layer
    const where = `src/${from}:${line}`;
    if (!known.has(target)) {
      if (target.endsWith(".ts")) problems.push(`${where} imports "${specifier}", which is no src file`);
      continue;
    }
    imports++;
    targets.add(target);
    const to = target.split("/")[0];
    if (to === folder || !rankOf.has(folder) || !rankOf.has(to)) continue;
    const [a, b] = [rankOf.get(folder), rankOf.get(to)];
    if (b > a)
      problems.push(
        `${where} imports src/${target}: ${folder} (layer ${a}) may not import ${to} (layer ${b}), a higher layer`,
      );
    else if (b === a)
      problems.push(
        `${where} imports src/${target}: ${folder} and ${to} share layer ${a}, and neither imports the other`,
      );
    const only = ONLY_IMPORTED_BY[to];
    if (only && !only.includes(from))
      problems.push(
        `${where} imports src/${target}: only ${only.map((f) => `src/${f}`).join(", ")} may import ${to}`,
      );
  }
  graph.set(from, targets);
}

/** A shortest circle through the first (sorted) file of `members`, a strongly connected set: [a, …, a]. */
function shortestCircle(members) {
  const start = [...members].sort()[0];
  const before = new Map([[start, null]]);
  const queue = [start];
  for (let k = 0; k < queue.length; k++) {
    const f = queue[k];
    for (const t of [...graph.get(f)].sort()) {
      if (!members.has(t)) continue;
      if (t === start) {
        const path = [start];
        for (let at = f; at !== null; at = before.get(at)) path.unshift(at);
        return path;
      }
      if (before.has(t)) continue;
      before.set(t, f);
      queue.push(t);
    }
  }
  return [start, start];
}

// Circles: the strongly connected components of more than one file (Tarjan's algorithm, iterative), or a
// file that imports itself.
{
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work = [[start, [...graph.get(start)], 0]];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work.at(-1);
      const [v, edges] = frame;
      if (frame[2] < edges.length) {
        const w = edges[frame[2]++];
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push([w, [...graph.get(w)], 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work.at(-1)[0];
        low.set(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v) !== index.get(v)) continue;
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length === 1 && !graph.get(v).has(v)) continue;
      const circle = shortestCircle(new Set(component));
      const steps = circle.slice(1).map((t, k) => `src/${circle[k]} imports src/${t}`);
      const more =
        component.length > circle.length - 1 ? ` (one of the circles among ${component.length} files)` : "";
      problems.push(`import circle${more}:\n    ${steps.join("\n    ")}`);
    }
  }
}

if (problems.length > 0) {
  console.error(`check-layers: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`check-layers: ${files.length} src files, ${imports} imports: no circle, no import up a layer`);

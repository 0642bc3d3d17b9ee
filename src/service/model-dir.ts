import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { UserError } from "../core/errors.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../core/json.js";

/**
 * Logwarden's model folder (`MODEL_DIR`, contracts §3.3 and C13): a manifest naming JSON files that
 * Logwarden wrote. No pickles, no code: every file is data, checked against its SHA-256 when the
 * manifest gives one.
 *
 *   MODEL_DIR/
 *     logwarden-models.json   the manifest (MANIFEST_FILE)
 *     pipeline-state.json     kind `processor-state`: miner templates + detector baselines
 *     model.json              kind `score`: system 004's scoring model (`logwarden train`)
 *     <kind>-<key>.json       kind `model`: a row of the `models` table
 *
 * A folder with no manifest but a `model.json` (what `logwarden train` writes) loads as one `score` model.
 */
export const MANIFEST_FILE = "logwarden-models.json";
export const MODEL_KINDS = ["processor-state", "score", "model"] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

const fileName = z
  .string()
  .regex(/^[\w.-]+\.json$/, "a file name in the folder (letters, digits, . _ -), ending in .json")
  .refine((s) => s !== MANIFEST_FILE && !s.startsWith(".."), "not the manifest, not a parent path");

export const manifestSchema = z.object({
  format: z.literal("logwarden-models"),
  version: z.literal(1),
  /** Shown as `model_version` in analysis results. */
  model_version: z.string().min(1),
  created_at: z.string(),
  models: z.array(
    z.object({
      name: z.string().min(1),
      kind: z.enum(MODEL_KINDS),
      file: fileName,
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .optional(),
    }),
  ),
});
export type Manifest = z.infer<typeof manifestSchema>;

export interface LoadedModel {
  name: string;
  kind: ModelKind;
  file: string;
  bytes: number;
  content: JsonValue;
}

export interface ModelFolder {
  dir: string;
  modelVersion: string;
  models: LoadedModel[];
}

/** Largest model file read (a miner state of 10,000 templates per stream is a few MiB). */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function readJsonFile(
  dir: string,
  file: string,
  expectedSha?: string,
): Promise<{ bytes: number; content: JsonValue }> {
  const path = join(dir, file);
  let raw: Buffer;
  try {
    const info = await stat(path);
    if (info.size > MAX_FILE_BYTES)
      throw new UserError(`${file} is larger than ${MAX_FILE_BYTES} bytes`, "bad_model_dir");
    raw = await readFile(path);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `cannot read ${file} in the model folder: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      "bad_model_dir",
    );
  }
  if (expectedSha && sha256(raw) !== expectedSha)
    throw new UserError(`${file} does not match its SHA-256 in ${MANIFEST_FILE}`, "bad_model_dir");
  try {
    return { bytes: raw.length, content: JSON.parse(raw.toString("utf8")) as JsonValue };
  } catch (error) {
    throw new UserError(`${file} is not valid JSON: ${(error as Error).message}`, "bad_model_dir");
  }
}

/**
 * Reads a model folder. A missing folder is a 404; a folder that is unreadable, has a bad manifest, or
 * holds no Logwarden model is a 400 (contracts §3.3), with a message saying which.
 */
export async function readModelFolder(dir: string): Promise<ModelFolder> {
  let entries: string[];
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new UserError(`model_dir ${dir} is not a directory`, "bad_model_dir");
    entries = await readdir(dir);
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UserError(`model directory not found: ${dir}`, "not_found", 404);
    throw new UserError(
      `cannot read model directory ${dir}: ${code ?? (error as Error).message}`,
      "bad_model_dir",
    );
  }
  if (entries.includes(MANIFEST_FILE)) {
    const { content } = await readJsonFile(dir, MANIFEST_FILE);
    const parsed = manifestSchema.safeParse(content);
    if (!parsed.success) {
      const why = parsed.error.issues
        .map((i) => `${i.path.join(".") || "manifest"}: ${i.message}`)
        .join("; ");
      throw new UserError(`${MANIFEST_FILE} is not a Logwarden model manifest: ${why}`, "bad_model_dir");
    }
    const models: LoadedModel[] = [];
    for (const m of parsed.data.models) {
      const { bytes, content: body } = await readJsonFile(dir, m.file, m.sha256);
      models.push({ name: m.name, kind: m.kind, file: m.file, bytes, content: body });
    }
    return { dir, modelVersion: parsed.data.model_version, models };
  }
  if (entries.includes("model.json")) {
    const { bytes, content } = await readJsonFile(dir, "model.json");
    const version =
      isJsonObject(content) && isJsonObject(content.info) && typeof content.info.version === "string"
        ? content.info.version
        : "model.json";
    return {
      dir,
      modelVersion: version,
      models: [{ name: "score", kind: "score", file: "model.json", bytes, content }],
    };
  }
  throw new UserError(
    `no Logwarden models in ${dir} (expected ${MANIFEST_FILE} or model.json)`,
    "bad_model_dir",
  );
}

export interface ModelToWrite {
  name: string;
  kind: ModelKind;
  file: string;
  content: JsonValue | JsonObject;
}

/** Writes model files and their manifest (with checksums); returns the manifest. */
export async function writeModelFolder(
  dir: string,
  modelVersion: string,
  models: readonly ModelToWrite[],
  now = new Date(),
): Promise<Manifest> {
  await mkdir(dir, { recursive: true });
  const manifest: Manifest = {
    format: "logwarden-models",
    version: 1,
    model_version: modelVersion,
    created_at: now.toISOString(),
    models: [],
  };
  for (const m of models) {
    const bytes = Buffer.from(`${JSON.stringify(m.content)}\n`);
    await writeFile(join(dir, fileName.parse(m.file)), bytes);
    manifest.models.push({ name: m.name, kind: m.kind, file: m.file, sha256: sha256(bytes) });
  }
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

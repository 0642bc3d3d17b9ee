/**
 * Field mappings: YAML configuration (config/sigma/*.yaml, or the user's own) that says which records a
 * log source is, which Sigma `logsource` (product, services, categories) they belong to, and what a Sigma
 * field name reads in them. Validated with zod at load; a bad mapping file is an error, not a skip, since
 * every rule's meaning depends on it.
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { SigmaRecord } from "./record.js";
import { compileRecordPath, type RecordReader } from "./record-path.js";

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t)]);
/** Sigma field name → value(s) it must have (case-insensitive). */
const fieldValues = z.record(z.string(), oneOrMany(scalar));

const mappingSchema = z.strictObject({
  name: z.string().min(1),
  product: z.string().min(1),
  /** Which records this mapping reads: any alternative holds (a path that must exist, or path → values). */
  when: z.array(z.union([z.string(), z.record(z.string(), oneOrMany(scalar))])).min(1),
  /** The record time of an event (correlations count in it); the record's own timestamp when absent. */
  time: z.string().optional(),
  /** What field-less (keyword) searches read: each path's string values, objects' leaves included. */
  keywords: z.array(z.string()).min(1),
  /** Sigma field → record path, or paths tried in order (the first present wins). */
  fields: z.record(z.string(), oneOrMany(z.string())).default({}),
  /** Any other Sigma field: a path with `{field}` standing for the name; absent = the field does not exist. */
  otherFields: z.string().optional(),
  /** `service:` values, each with the values of `field` that make it; `"*"` = every record of the mapping. */
  services: z.strictObject({ field: z.string(), values: z.record(z.string(), oneOrMany(scalar)) }).optional(),
  /** `category:` values, each with alternatives (field → value(s), all must hold). */
  categories: z.record(z.string(), z.array(fieldValues)).default({}),
});
export type LogSourceMappingFile = z.infer<typeof mappingSchema>;

/** The `logsource` an event belongs to. */
export interface EventLogSource {
  product: string;
  services: readonly string[];
  categories: readonly string[];
}

export interface LogSourceMapping {
  readonly name: string;
  readonly product: string;
  /**
   * Whether any of its paths reads `derived.*` (the fields a syslog line states only in its text): records
   * of a mapping that does not are not worth the authentication parse (a Windows event's JSON is long).
   */
  readonly readsDerived: boolean;
  /** Whether the record is one of this mapping's. */
  applies(record: SigmaRecord): boolean;
  /** The reader of a Sigma field in these records; null when the mapping gives the field no place. */
  reader(field: string): RecordReader | null;
  /** Event time in ms (the mapped time field, else the record's timestamp). */
  timeOf(record: SigmaRecord): number;
  /** The keyword texts of the record. */
  keywordTexts(record: SigmaRecord): string[];
  /**
   * A short key for the values that decide the log source (e.g. channel and event id), so the router
   * memoises the rules of each distinct one, and the log source of that key.
   */
  routeKey(record: SigmaRecord): string;
  logSourceOf(record: SigmaRecord): EventLogSource;
}

const lower = (v: unknown): string => String(v).toLowerCase();
const many = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

export function parseMappingYaml(text: string, source: string): LogSourceMapping {
  const parsed = mappingSchema.safeParse(parseYaml(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`field mapping ${source}: ${issue?.path.join(".") || "(top)"}: ${issue?.message}`);
  }
  return compileMapping(parsed.data);
}

export function compileMapping(file: LogSourceMappingFile): LogSourceMapping {
  const readers = new Map<string, RecordReader | null>();
  const reader = (field: string): RecordReader | null => {
    let r = readers.get(field);
    if (r !== undefined) return r;
    const paths =
      file.fields[field] ?? (file.otherFields ? file.otherFields.replace("{field}", field) : null);
    if (paths === null) r = null;
    else {
      const each = many(paths).map(compileRecordPath);
      r = each.length === 1 ? each[0]! : (rec) => firstPresent(each, rec);
    }
    readers.set(field, r);
    return r;
  };
  const fieldReader = (field: string): RecordReader => reader(field) ?? (() => undefined);

  const whenTests = file.when.map((alt) => {
    if (typeof alt === "string") {
      const read = compileRecordPath(alt);
      return (r: SigmaRecord) => read(r) !== undefined;
    }
    const checks = Object.entries(alt).map(([path, values]) => {
      const read = compileRecordPath(path);
      const wanted = new Set(many(values).map(lower));
      return (r: SigmaRecord) => {
        const v = read(r);
        return v !== undefined && v !== null && wanted.has(lower(v));
      };
    });
    return (r: SigmaRecord) => checks.every((c) => c(r));
  });

  const timeReader = file.time ? compileRecordPath(file.time) : null;
  const keywordReaders = file.keywords.map(compileRecordPath);

  // The fields whose values decide services and categories: the route key is their values.
  const routeFields = [
    ...new Set([
      ...(file.services ? [file.services.field] : []),
      ...Object.values(file.categories).flatMap((alts) => alts.flatMap((alt) => Object.keys(alt))),
    ]),
  ];
  const routeReaders = routeFields.map(fieldReader);
  const serviceReader = file.services ? fieldReader(file.services.field) : null;
  const serviceTable = Object.entries(file.services?.values ?? {}).map(
    ([service, values]) => [service, new Set(many(values).map(lower))] as const,
  );
  const categoryTable = Object.entries(file.categories).map(([category, alts]) => {
    const tests = alts.map((alt) => {
      const checks = Object.entries(alt).map(([field, values]) => {
        const read = fieldReader(field);
        const wanted = new Set(many(values).map(lower));
        return (r: SigmaRecord) => {
          const v = read(r);
          return v !== undefined && v !== null && wanted.has(lower(v));
        };
      });
      return (r: SigmaRecord) => checks.every((c) => c(r));
    });
    return [category, (r: SigmaRecord) => tests.some((t) => t(r))] as const;
  });

  return {
    name: file.name,
    product: file.product.toLowerCase(),
    readsDerived: mentionsDerived(file),
    applies: (r) => whenTests.some((t) => t(r)),
    reader,
    timeOf(r) {
      const t = timeReader ? timeReader(r) : undefined;
      const ms = typeof t === "string" ? Date.parse(t) : typeof t === "number" ? t : Number.NaN;
      return Number.isNaN(ms) ? Date.parse(r.timestamp) : ms;
    },
    keywordTexts(r) {
      const out: string[] = [];
      for (const read of keywordReaders) collectStrings(read(r), out);
      return out;
    },
    routeKey(r) {
      let key = "";
      for (const read of routeReaders) key += `${lower(read(r))}\u0000`;
      return key;
    },
    logSourceOf(r) {
      const value = serviceReader ? serviceReader(r) : undefined;
      const v = value === undefined || value === null ? null : lower(value);
      const services = serviceTable
        .filter(([, values]) => values.has("*") || (v !== null && values.has(v)))
        .map(([s]) => s);
      const categories = categoryTable.filter(([, test]) => test(r)).map(([c]) => c);
      return { product: file.product.toLowerCase(), services, categories };
    },
  };
}

function mentionsDerived(file: LogSourceMappingFile): boolean {
  const paths = [
    ...file.when.flatMap((alt) => (typeof alt === "string" ? [alt] : Object.keys(alt))),
    ...(file.time ? [file.time] : []),
    ...file.keywords,
    ...Object.values(file.fields).flatMap(many),
    ...(file.otherFields ? [file.otherFields] : []),
  ];
  return paths.some((p) => p === "derived" || p.startsWith("derived."));
}

function firstPresent(readers: readonly RecordReader[], record: SigmaRecord): unknown {
  for (const read of readers) {
    const v = read(record);
    if (v !== undefined) return v;
  }
  return undefined;
}

function collectStrings(value: unknown, out: string[]): void {
  if (typeof value === "string") out.push(value);
  else if (typeof value === "number" || typeof value === "boolean") out.push(String(value));
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out);
  else if (typeof value === "object" && value !== null)
    for (const v of Object.values(value)) collectStrings(v, out);
}

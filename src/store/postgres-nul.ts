import {
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from "kysely";

const NUL = String.fromCharCode(0);
const REPLACEMENT = "\ufffd";
/** How JSON.stringify writes U+0000; jsonb refuses it too ("unsupported Unicode escape sequence"). */
const NUL_ESCAPE = "\\u0000";

/**
 * JSON columns are written as JSON text (store/json.ts), so a NUL inside the value arrives escaped. Text that
 * parses as JSON is written again without it; any other text (a log line quoting `\u0000`) stays as it is.
 */
function jsonTextWithoutNul(text: string): string {
  try {
    return JSON.stringify(withoutNul(JSON.parse(text)));
  } catch {
    return text;
  }
}

/**
 * A value PostgreSQL can take: U+0000 in a string (or in a key or string of a value sent as JSON) becomes
 * U+FFFD. PostgreSQL text cannot hold U+0000 ("invalid byte sequence for encoding UTF8: 0x00"), so a NUL in
 * a log line, an alert field or a search parameter failed its whole statement with a 500; SQLite keeps it.
 */
export function withoutNul(value: unknown): unknown {
  if (typeof value === "string") {
    const text = value.includes(NUL) ? value.replaceAll(NUL, REPLACEMENT) : value;
    return text.includes(NUL_ESCAPE) ? jsonTextWithoutNul(text) : text;
  }
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value === null || typeof value !== "object" || value instanceof Date || value instanceof Uint8Array)
    return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k) as string, withoutNul(v)]));
}

class NulTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    const value = withoutNul(node.value);
    return value === node.value ? node : { ...node, value };
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    return { ...node, values: node.values.map(withoutNul) };
  }
}

/** Applies withoutNul to every parameter of every statement sent to PostgreSQL (db.ts installs it there only). */
export class PostgresNulPlugin implements KyselyPlugin {
  readonly #transformer = new NulTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

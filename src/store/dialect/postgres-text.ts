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

const REPLACEMENT = "\ufffd";
/** U+0000 and UTF-16 halves without their other half: no PostgreSQL text or jsonb can hold them. */
const UNSTORABLE = new RegExp(
  `${String.fromCharCode(0)}|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]`,
  "g",
);
/** The same as JSON.stringify writes them, escaped: jsonb refuses those escapes ("invalid input syntax"). */
const UNSTORABLE_ESCAPE = /\\u(0000|d[89a-f][0-9a-f]{2})/i;

/**
 * JSON columns are written as JSON text (store/json.ts), so what PostgreSQL refuses arrives escaped. Text that
 * parses as JSON is written again without it; any other text (a log line quoting `\u0000`) stays as it is.
 */
function jsonTextPostgresTakes(text: string): string {
  try {
    return JSON.stringify(valuePostgresTakes(JSON.parse(text)));
  } catch {
    return text;
  }
}

/**
 * A parameter PostgreSQL can take: U+0000 and lone surrogates in a string (or in a key or string of a value
 * sent as JSON, or escaped inside JSON text) become U+FFFD. PostgreSQL refused them ("invalid byte sequence
 * for encoding UTF8: 0x00", "invalid input syntax for type json"), failing the statement with a 500; SQLite
 * keeps them.
 */
export function valuePostgresTakes(value: unknown): unknown {
  if (typeof value === "string") {
    const text = value.replace(UNSTORABLE, REPLACEMENT);
    return UNSTORABLE_ESCAPE.test(text) ? jsonTextPostgresTakes(text) : text;
  }
  if (Array.isArray(value)) return value.map(valuePostgresTakes);
  if (value === null || typeof value !== "object" || value instanceof Date || value instanceof Uint8Array)
    return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [valuePostgresTakes(k) as string, valuePostgresTakes(v)]),
  );
}

class TextTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    const value = valuePostgresTakes(node.value);
    return value === node.value ? node : { ...node, value };
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    return { ...node, values: node.values.map(valuePostgresTakes) };
  }
}

/** Applies valuePostgresTakes to every parameter of every statement (db.ts installs it on PostgreSQL only). */
export class PostgresTextPlugin implements KyselyPlugin {
  readonly #transformer = new TextTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

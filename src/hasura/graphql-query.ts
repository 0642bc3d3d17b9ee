/**
 * Just enough of a GraphQL parser for contract §4.9.3 and the query rules: field names, nesting depth,
 * argument names and variable definitions of an executable document. A syntax error throws (the
 * contract makes that request a 500).
 */
export interface QueryShape {
  operationName: string | null;
  /** Distinct field names, `__`-prefixed ones left out. */
  fields: string[];
  /** `__schema`, `__type`… that the query selects. */
  introspectionFields: string[];
  maxDepth: number;
  /** Every argument name on every field, duplicates included. */
  arguments: string[];
  /** Distinct variable names, without `$`. */
  variables: string[];
  /** Largest number of fields selected side by side in one selection set. */
  maxBreadth: number;
}

type Token = { kind: "punct" | "name" | "number" | "string"; value: string; at: number };

const PUNCT = new Set(["!", "$", "&", "(", ")", ":", "=", "@", "[", "]", "{", "|", "}"]);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === "#") {
      while (i < source.length && source[i] !== "\n" && source[i] !== "\r") i++;
    } else if (/[\s,\uFEFF]/.test(c)) {
      i++;
    } else if (source.startsWith("...", i)) {
      tokens.push({ kind: "punct", value: "...", at: i });
      i += 3;
    } else if (PUNCT.has(c)) {
      tokens.push({ kind: "punct", value: c, at: i });
      i++;
    } else if (/[_A-Za-z]/.test(c)) {
      const m = /^[_A-Za-z][_0-9A-Za-z]*/.exec(source.slice(i))![0];
      tokens.push({ kind: "name", value: m, at: i });
      i += m.length;
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i));
      if (!m) throw new SyntaxError(`Syntax Error: invalid number at ${i}`);
      tokens.push({ kind: "number", value: m[0], at: i });
      i += m[0].length;
    } else if (source.startsWith('"""', i)) {
      const end = source.indexOf('"""', i + 3);
      if (end < 0) throw new SyntaxError(`Syntax Error: unterminated block string at ${i}`);
      tokens.push({ kind: "string", value: source.slice(i + 3, end), at: i });
      i = end + 3;
    } else if (c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"') {
        if (source[j] === "\n") break;
        j += source[j] === "\\" ? 2 : 1;
      }
      if (source[j] !== '"') throw new SyntaxError(`Syntax Error: unterminated string at ${i}`);
      tokens.push({ kind: "string", value: source.slice(i + 1, j), at: i });
      i = j + 1;
    } else {
      throw new SyntaxError(`Syntax Error: unexpected character ${JSON.stringify(c)} at ${i}`);
    }
  }
  return tokens;
}

interface FieldNode {
  name: string;
  args: string[];
  children: Selection[];
}
type Selection =
  | { kind: "field"; field: FieldNode }
  | { kind: "spread"; name: string }
  | { kind: "inline"; children: Selection[] };

class Parser {
  #pos = 0;
  constructor(private readonly tokens: Token[]) {}

  get done(): boolean {
    return this.#pos >= this.tokens.length;
  }
  #peek(): Token | undefined {
    return this.tokens[this.#pos];
  }
  #is(value: string): boolean {
    const t = this.#peek();
    return t !== undefined && (t.kind === "punct" || t.kind === "name") && t.value === value;
  }
  #next(): Token {
    const t = this.tokens[this.#pos++];
    if (!t) throw new SyntaxError("Syntax Error: unexpected end of document");
    return t;
  }
  #expect(value: string): void {
    const t = this.#next();
    if (t.value !== value || t.kind === "string") {
      throw new SyntaxError(
        `Syntax Error: expected ${JSON.stringify(value)}, found ${JSON.stringify(t.value)} at ${t.at}`,
      );
    }
  }
  #name(): string {
    const t = this.#next();
    if (t.kind !== "name")
      throw new SyntaxError(`Syntax Error: expected a name, found ${JSON.stringify(t.value)} at ${t.at}`);
    return t.value;
  }

  value(): void {
    const t = this.#next();
    if (t.kind === "punct" && t.value === "$") {
      this.#name();
    } else if (t.kind === "punct" && t.value === "[") {
      while (!this.#is("]")) this.value();
      this.#expect("]");
    } else if (t.kind === "punct" && t.value === "{") {
      while (!this.#is("}")) {
        this.#name();
        this.#expect(":");
        this.value();
      }
      this.#expect("}");
    } else if (t.kind === "punct") {
      throw new SyntaxError(`Syntax Error: unexpected ${JSON.stringify(t.value)} at ${t.at}`);
    }
  }

  type(): void {
    if (this.#is("[")) {
      this.#next();
      this.type();
      this.#expect("]");
    } else {
      this.#name();
    }
    if (this.#is("!")) this.#next();
  }

  directives(): void {
    while (this.#is("@")) {
      this.#next();
      this.#name();
      if (this.#is("(")) this.arguments();
    }
  }

  arguments(): string[] {
    const names: string[] = [];
    this.#expect("(");
    while (!this.#is(")")) {
      names.push(this.#name());
      this.#expect(":");
      this.value();
    }
    this.#expect(")");
    return names;
  }

  selectionSet(): Selection[] {
    this.#expect("{");
    const out: Selection[] = [];
    while (!this.#is("}")) {
      if (this.#is("...")) {
        this.#next();
        if (this.#is("on") || this.#is("{") || this.#is("@")) {
          if (this.#is("on")) {
            this.#next();
            this.#name();
          }
          this.directives();
          out.push({ kind: "inline", children: this.selectionSet() });
        } else {
          out.push({ kind: "spread", name: this.#name() });
          this.directives();
        }
        continue;
      }
      let name = this.#name();
      if (this.#is(":")) {
        this.#next();
        name = this.#name();
      }
      const args = this.#is("(") ? this.arguments() : [];
      this.directives();
      const children = this.#is("{") ? this.selectionSet() : [];
      out.push({ kind: "field", field: { name, args, children } });
    }
    this.#expect("}");
    if (out.length === 0) throw new SyntaxError("Syntax Error: empty selection set");
    return out;
  }

  variableDefinitions(): string[] {
    const names: string[] = [];
    this.#expect("(");
    while (!this.#is(")")) {
      this.#expect("$");
      names.push(this.#name());
      this.#expect(":");
      this.type();
      if (this.#is("=")) {
        this.#next();
        this.value();
      }
      this.directives();
    }
    this.#expect(")");
    return names;
  }

  definition():
    | { kind: "operation"; name: string | null; variables: string[]; selections: Selection[] }
    | { kind: "fragment"; name: string; selections: Selection[] } {
    if (this.#is("{"))
      return { kind: "operation", name: null, variables: [], selections: this.selectionSet() };
    const keyword = this.#name();
    if (keyword === "fragment") {
      const name = this.#name();
      this.#expect("on");
      this.#name();
      this.directives();
      return { kind: "fragment", name, selections: this.selectionSet() };
    }
    if (keyword !== "query" && keyword !== "mutation" && keyword !== "subscription") {
      throw new SyntaxError(`Syntax Error: unexpected ${JSON.stringify(keyword)}`);
    }
    const name = this.#peek()?.kind === "name" ? this.#name() : null;
    const variables = this.#is("(") ? this.variableDefinitions() : [];
    this.directives();
    return { kind: "operation", name, variables, selections: this.selectionSet() };
  }
}

/** Parses a GraphQL document (throws `SyntaxError`) and measures what contract §4.9.3 and the rules need. */
export function parseQueryShape(source: string): QueryShape {
  const parser = new Parser(tokenize(source));
  const operations: { name: string | null; variables: string[]; selections: Selection[] }[] = [];
  const fragments = new Map<string, Selection[]>();
  while (!parser.done) {
    const d = parser.definition();
    if (d.kind === "fragment") fragments.set(d.name, d.selections);
    else operations.push(d);
  }
  if (operations.length === 0) throw new SyntaxError("Syntax Error: the document has no operation");

  const fields = new Set<string>();
  const introspection = new Set<string>();
  const args: string[] = [];
  let maxDepth = 0;
  let maxBreadth = 0;
  // Fragments are expanded where they are spread; `active` stops a fragment cycle.
  const walk = (selections: Selection[], depth: number, active: Set<string>): number => {
    let breadth = 0;
    for (const s of selections) {
      if (s.kind === "field") {
        breadth += 1;
        if (s.field.name.startsWith("__")) introspection.add(s.field.name);
        else fields.add(s.field.name);
        args.push(...s.field.args);
        maxDepth = Math.max(maxDepth, depth);
        if (s.field.children.length > 0) walk(s.field.children, depth + 1, active);
      } else {
        const children = s.kind === "inline" ? s.children : fragments.get(s.name);
        if (!children || (s.kind === "spread" && active.has(s.name))) continue;
        const next = s.kind === "spread" ? new Set([...active, s.name]) : active;
        breadth += walk(children, depth, next);
      }
    }
    maxBreadth = Math.max(maxBreadth, breadth);
    return breadth;
  };
  const variables = new Set<string>();
  for (const op of operations) {
    walk(op.selections, 1, new Set());
    for (const v of op.variables) variables.add(v);
  }
  return {
    operationName: operations[0]!.name,
    fields: [...fields],
    introspectionFields: [...introspection],
    maxDepth,
    arguments: args,
    variables: [...variables],
    maxBreadth,
  };
}

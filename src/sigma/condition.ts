/**
 * The detection's `condition`, parsed into a tree once per rule. Grammar (specification, "Condition"),
 * least to most binding: `or`, `and`, `not`, `1 of` / `all of` (a name, a name with `*`, or `them`),
 * parentheses. The pre-2.0 aggregation pipe (`| count() by x > 5`) and `near` are refused: correlation
 * rules replace them, and evaluating half of such a condition would match what the author did not mean.
 */
import { Unsupported } from "./unsupported.js";

export type ConditionNode =
  | { kind: "ref"; name: string }
  | { kind: "not"; arg: ConditionNode }
  | { kind: "and" | "or"; args: ConditionNode[] }
  | { kind: "of"; quantifier: "one" | "all"; names: string[] };

type Token = { kind: "word"; text: string } | { kind: "open" } | { kind: "close" };

function tokenize(condition: string): Token[] {
  if (condition.includes("|"))
    throw new Unsupported(
      "condition",
      `aggregation in the condition (\`|\`): '${condition}'; use a correlation rule`,
    );
  const tokens: Token[] = [];
  const re = /\s*(\(|\)|[^\s()]+)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  // biome-ignore lint/suspicious/noAssignInExpressions: the idiomatic sticky-regex scan
  while ((m = re.exec(condition)) !== null) {
    end = re.lastIndex;
    const t = m[1]!;
    tokens.push(t === "(" ? { kind: "open" } : t === ")" ? { kind: "close" } : { kind: "word", text: t });
  }
  if (condition.slice(end).trim() !== "")
    throw new Unsupported("condition", `cannot read the condition '${condition}'`);
  return tokens;
}

/**
 * Parses `condition` over the rule's search identifiers (`names`): a reference to an unknown identifier,
 * or a pattern that matches none, is refused here rather than silently false.
 */
export function parseCondition(condition: string, names: readonly string[]): ConditionNode {
  const tokens = tokenize(condition);
  let pos = 0;
  const peekWord = (): string | null => {
    const t = tokens[pos];
    return t?.kind === "word" ? t.text.toLowerCase() : null;
  };
  const fail = (what: string): never => {
    throw new Unsupported("condition", `${what} in the condition '${condition}'`);
  };

  const parseOr = (): ConditionNode => {
    const args = [parseAnd()];
    while (peekWord() === "or") {
      pos++;
      args.push(parseAnd());
    }
    return args.length === 1 ? args[0]! : { kind: "or", args };
  };
  const parseAnd = (): ConditionNode => {
    const args = [parseNot()];
    while (peekWord() === "and") {
      pos++;
      args.push(parseNot());
    }
    return args.length === 1 ? args[0]! : { kind: "and", args };
  };
  const parseNot = (): ConditionNode => {
    if (peekWord() === "not") {
      pos++;
      return { kind: "not", arg: parseNot() };
    }
    return parseAtom();
  };
  const parseAtom = (): ConditionNode => {
    const t = tokens[pos];
    if (!t) return fail("an expression missing at the end");
    if (t.kind === "open") {
      pos++;
      const inner = parseOr();
      if (tokens[pos]?.kind !== "close") fail("a missing ')'");
      pos++;
      return inner;
    }
    if (t.kind === "close") return fail("an unexpected ')'");
    const word = t.text.toLowerCase();
    if (word === "and" || word === "or" || word === "not") return fail(`'${t.text}' without an operand`);
    if (word === "near") return fail("'near' (obsolete)");
    const next = tokens[pos + 1];
    if (next?.kind === "word" && next.text.toLowerCase() === "of") {
      pos += 2;
      const target = tokens[pos];
      if (target?.kind !== "word") return fail(`'${t.text} of' without a target`);
      pos++;
      let quantifier: "one" | "all";
      if (word === "all") quantifier = "all";
      else if (word === "1" || word === "any") quantifier = "one";
      else return fail(`'${t.text} of' (only '1 of' and 'all of')`);
      return { kind: "of", quantifier, names: expandTarget(target.text, names, fail) };
    }
    pos++;
    if (!names.includes(t.text)) return fail(`unknown search identifier '${t.text}'`);
    return { kind: "ref", name: t.text };
  };

  const tree = parseOr();
  if (pos < tokens.length) fail("trailing words");
  return tree;
}

/** `them` (every identifier not starting with `_`) or a pattern with `*` wildcards. */
function expandTarget(target: string, names: readonly string[], fail: (what: string) => never): string[] {
  let matched: string[];
  if (target === "them") matched = names.filter((n) => !n.startsWith("_"));
  else {
    const re = new RegExp(`^${target.split("*").map(escapeName).join(".*")}$`);
    matched = names.filter((n) => re.test(n));
  }
  if (matched.length === 0) fail(`'of ${target}' naming no search identifier`);
  return matched;
}

function escapeName(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

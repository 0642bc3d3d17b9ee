/** Escapes LIKE's wildcards so text is matched literally; queries declare `escape '\'`. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A case-insensitive "contains" pattern: compare it with `lower(column)`. */
export function likeContains(text: string): string {
  return `%${likeLiteral(text.toLowerCase())}%`;
}

import type { z } from "zod";

/** A config field's path, as people write it: `servers.files.auth.scopes[0]`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (typeof part === "string" && /^[A-Za-z_$][\w$-]*$/.test(part))
      out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out || "(config)";
}

/** What a value is, for "got …" in a problem line. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "function") return "a function";
  return "an object";
}

/** The known key closest to a misspelt one, if any is close. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

type Issue = z.core.$ZodIssue;

/** Keys an object schema accepts, found through the issue's input and a lookup. */
export type KnownKeys = (path: readonly PropertyKey[]) => readonly string[];

/**
 * One line per problem from zod's issues, naming the field, what was expected and what was
 * found. Unions report the branch the value was meant for (an object's own problems, not
 * "expected a string").
 */
export function problemLines(
  issues: readonly Issue[],
  knownKeys: KnownKeys = () => [],
  prefix: readonly PropertyKey[] = [],
): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const at = fieldPath(path);
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case "unrecognized_keys":
        for (const key of issue.keys) {
          const guess = closest(key, knownKeys(path));
          lines.push(
            `${fieldPath([...path, key])}: unknown key${guess ? ` (did you mean "${guess}"?)` : ""}`,
          );
        }
        break;
      case "invalid_union": {
        const meant = issue.errors.filter(
          (branch) => !branch.every((inner) => inner.path.length === 0 && isTypeMismatch(inner)),
        );
        if (meant.length === 1 && meant[0]) lines.push(...problemLines(meant[0], knownKeys, path));
        else lines.push(`${at}: ${issue.message} (got ${describeValue(input)})`);
        break;
      }
      case "invalid_key":
        lines.push(
          `${at}: ${issue.issues[0]?.message ?? "is not an accepted key"} (got ${describeValue(input)})`,
        );
        break;
      case "invalid_type":
        lines.push(
          `${at}: ${issue.message.startsWith("Invalid input") ? `expected ${article(issue.expected)}` : issue.message}, got ${describeValue(input)}`,
        );
        break;
      default:
        lines.push(`${at}: ${issue.message} (got ${describeValue(input)})`);
    }
  }
  return lines;
}

function isTypeMismatch(issue: Issue): boolean {
  return issue.code === "invalid_type" || issue.code === "invalid_value";
}

function article(type: string): string {
  if (type === "object") return "an object";
  if (type === "array") return "a list";
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

import type { ArgDef, CommandDef, Example } from "./command.js";

/**
 * Python's `difflib.SequenceMatcher(None, a, b).ratio()`: 2·M/T, where M counts the characters of the matching
 * blocks found by repeatedly taking the longest common substring (leftmost in `a`, then in `b`) and recursing on
 * both sides. (The "popular element" heuristic only applies to sequences of 200+ items, never to a CLI word.)
 */
export function sequenceRatio(a: string, b: string): number {
  const total = a.length + b.length;
  return total === 0 ? 1 : (2 * matchingCharacters(a, b)) / total;
}

function matchingCharacters(a: string, b: string): number {
  const b2j = new Map<string, number[]>();
  for (let j = 0; j < b.length; j++) {
    const list = b2j.get(b[j]!);
    if (list) list.push(j);
    else b2j.set(b[j]!, [j]);
  }
  let matched = 0;
  const queue: [number, number, number, number][] = [[0, a.length, 0, b.length]];
  while (queue.length) {
    const [alo, ahi, blo, bhi] = queue.pop()!;
    let besti = alo;
    let bestj = blo;
    let bestsize = 0;
    let j2len = new Map<number, number>();
    for (let i = alo; i < ahi; i++) {
      const next = new Map<number, number>();
      for (const j of b2j.get(a[i]!) ?? []) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = (j2len.get(j - 1) ?? 0) + 1;
        next.set(j, k);
        if (k > bestsize) {
          besti = i - k + 1;
          bestj = j - k + 1;
          bestsize = k;
        }
      }
      j2len = next;
    }
    if (bestsize === 0) continue;
    matched += bestsize;
    if (alo < besti && blo < bestj) queue.push([alo, besti, blo, bestj]);
    if (besti + bestsize < ahi && bestj + bestsize < bhi) queue.push([besti + bestsize, ahi, bestj + bestsize, bhi]);
  }
  return matched;
}

/**
 * Python's `difflib.get_close_matches(word, possibilities, n, cutoff)`: the best `n` possibilities whose ratio
 * against `word` is at least `cutoff`, best first (ties: the larger string first, as `heapq.nlargest` orders tuples).
 */
export function getCloseMatches(word: string, possibilities: Iterable<string>, n = 3, cutoff = 0.6): string[] {
  const scored: [number, string][] = [];
  for (const x of possibilities) {
    const r = sequenceRatio(x, word);
    if (r >= cutoff) scored.push([r, x]);
  }
  scored.sort((p, q) => q[0] - p[0] || (p[1] < q[1] ? 1 : p[1] > q[1] ? -1 : 0));
  return scored.slice(0, n).map(([, x]) => x);
}

/** az's recommendation for a word that names no command or group at its level (`difflib.get_close_matches(..., cutoff=0.7)`). */
export function didYouMean(value: string, choices: Iterable<string>): string[] {
  const best = getCloseMatches(value, choices, 3, 0.7)[0];
  return best === undefined ? [] : [`Did you mean '${best}' ?`];
}

/** An option string in its standard form (the longest one of its argument), or undefined when the command has no such option. */
function normalise(option: string, defs: ArgDef[]): string | undefined {
  const d = defs.find((x) => x.options.includes(option));
  return d ? [...d.options].sort((p, q) => q.length - p.length)[0] : undefined;
}

/**
 * az's CommandRecommender ordering of help examples after a usage error: examples with more of the user's (known)
 * options first, then those with fewer options; the top three.
 */
export function recommendExamples(cmd: CommandDef, tokens: string[], globals: ArgDef[]): Example[] {
  const defs = [...cmd.args, ...globals];
  const norm = (ts: string[]) => ts.filter((t) => t.startsWith("-")).map((t) => normalise(t.split("=")[0]!, defs)).filter((t): t is string => t !== undefined);
  const target = new Set(norm(tokens));
  return (cmd.examples ?? [])
    .map((e, index) => {
      const args = norm(e.command.split(" "));
      return { e, index, matches: args.filter((x) => target.has(x)).length, count: args.length };
    })
    .sort((p, q) => q.matches - p.matches || p.count - q.count || p.index - q.index)
    .slice(0, 3)
    .map((x) => x.e);
}

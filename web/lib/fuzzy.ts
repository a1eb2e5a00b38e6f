// Fuzzy matching for the quick switcher: the query's characters in order within a name
// ("gnrl" finds "general"), ranked so that a prefix beats a word start beats letters scattered.
// Pure, no DOM.

/** How well `query` matches `name` (higher is better), or null when it does not. */
export function fuzzyScore(query: string, name: string): number | null {
  const q = query.trim().toLowerCase();
  const n = name.toLowerCase();
  if (q === "") return 0;
  if (n.startsWith(q)) return 1_000 - n.length;
  const at = n.indexOf(q);
  if (at >= 0) return (/[\s\-_#@.]/.test(n[at - 1] ?? " ") ? 800 : 600) - at - n.length;
  // Letters in order: each one that follows the previous or opens a word scores more.
  let score = 0;
  let from = 0;
  let previous = -2;
  for (const ch of q) {
    if (ch === " ") continue;
    const i = n.indexOf(ch, from);
    if (i < 0) return null;
    if (i === previous + 1) score += 5;
    else if (i === 0 || /[\s\-_#@.]/.test(n[i - 1] ?? "")) score += 3;
    else score += 1;
    previous = i;
    from = i + 1;
  }
  return score - n.length / 100;
}

/** The items whose names match, best first (a stable order among equals). */
export function fuzzyFilter<T>(query: string, items: readonly T[], names: (item: T) => string[]) {
  const scored: { item: T; score: number; index: number }[] = [];
  items.forEach((item, index) => {
    let best: number | null = null;
    for (const name of names(item)) {
      const s = fuzzyScore(query, name);
      if (s !== null && (best === null || s > best)) best = s;
    }
    if (best !== null) scored.push({ item, score: best, index });
  });
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return scored.map((s) => s.item);
}

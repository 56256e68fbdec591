/** Levenshtein distance: the fewest one-character inserts, deletes and replacements from a to b. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
    previous = current
  }
  return previous[b.length]!
}

/**
 * The candidates nearest to what a person typed, nearest first (case and a `__v`/`__c` suffix
 * ignored, so `Email` finds `email__v`); ties keep the candidates' order.
 */
export function nearestValues(typed: string, candidates: readonly string[], count = 5): string[] {
  const bare = (s: string) => s.toLowerCase().replace(/__[a-z]+$/, '')
  const target = bare(typed)
  return candidates
    .map((name, index) => ({ name, index, distance: editDistance(target, bare(name)) }))
    .sort((x, y) => x.distance - y.distance || x.index - y.index)
    .slice(0, count)
    .map((c) => c.name)
}

/**
 * Words looked up by prefix ("rev" finds "revoked", "revocation"), kept incrementally: each word
 * sits in a bucket named by its first two characters, so a query word scans only the words that
 * could match it, and appending never re-sorts anything. The caller adds each word once (its own
 * map of the word's rows says whether it is new), so no second set of words is kept here.
 */
export class Vocabulary {
  private readonly buckets = new Map<string, string[]>();
  size = 0;

  /** A word not added before. */
  add(word: string): void {
    this.size++;
    const key = word.slice(0, 2);
    const bucket = this.buckets.get(key);
    if (bucket) bucket.push(word);
    else this.buckets.set(key, [word]);
  }

  /** Every word starting with `prefix`. */
  matching(prefix: string): string[] {
    if (prefix.length === 0) return [];
    const out: string[] = [];
    if (prefix.length >= 2) {
      for (const word of this.buckets.get(prefix.slice(0, 2)) ?? []) if (word.startsWith(prefix)) out.push(word);
      return out;
    }
    for (const [key, bucket] of this.buckets) if (key.startsWith(prefix)) for (const word of bucket) out.push(word);
    return out;
  }
}

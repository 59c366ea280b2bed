/**
 * A set of ids kept as 64-bit digests in one typed array (open addressing): about
 * 16 bytes an id instead of ~100 for a Set of strings, so a 1,000,000-user read
 * remembers what it saw in ~16 MB. A digest collision can only make an absent id look
 * present, which errs on the safe side: that user is not suspended this run.
 */
export class IdSet {
  private slots = new Uint32Array(2 * 1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds `id`; false when it was already there (one digest answers both). */
  add(id: string): boolean {
    if ((this.count + 1) * 2 > this.slots.length / 2) this.grow();
    digest(id);
    if (!this.insert(lane1, lane2)) return false;
    this.count++;
    return true;
  }

  has(id: string): boolean {
    digest(id);
    const a = lane1;
    const b = lane2;
    const mask = this.slots.length / 2 - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const x = this.slots[2 * i]!;
      const y = this.slots[2 * i + 1]!;
      if (x === 0 && y === 0) return false;
      if (x === a && y === b) return true;
    }
  }

  private insert(a: number, b: number): boolean {
    const mask = this.slots.length / 2 - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const x = this.slots[2 * i]!;
      const y = this.slots[2 * i + 1]!;
      if (x === 0 && y === 0) {
        this.slots[2 * i] = a;
        this.slots[2 * i + 1] = b;
        return true;
      }
      if (x === a && y === b) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] !== 0 || old[i + 1] !== 0) this.insert(old[i]!, old[i + 1]!);
    }
  }
}

// digest()'s result: module variables rather than a returned pair, so adding allocates nothing.
let lane1 = 0;
let lane2 = 0;

/** Two 32-bit lanes of cyrb53, a fast non-cryptographic string hash; (0, 0) marks empty. */
function digest(id: string): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < id.length; i++) {
    const ch = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  lane1 = h1 >>> 0;
  lane2 = h2 >>> 0;
  if (lane1 === 0 && lane2 === 0) lane1 = 1;
}

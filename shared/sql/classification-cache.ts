import type { ClassifiedSql, SqlClassification } from './classification.ts';

/**
 * Longer texts are classified every time: they are rarely sent twice, and keeping them would
 * let a few large statements hold the cache's memory.
 */
const MAX_CACHED_TEXT_CHARS = 4096;

/**
 * Classifications of texts a listener sees again and again: a driver's unnamed Parse of the same
 * statement before every execution, BEGIN and COMMIT, a dashboard's refresh. Each costs a
 * libpg-query parse and fingerprint otherwise.
 *
 * Only a classification that follows from its text and standard_conforming_strings alone (the
 * key) is kept. One that read the session's prepared statements (EXECUTE) is refused here, and
 * so is one that changes session state (SET, PREPARE, DECLARE…): its effects are applied per
 * session, and such statements are rarely hot. The caller must not offer one judged before the
 * catalog was asked about its functions.
 *
 * A text is kept the second time it is offered. Most texts sent with their values inline are
 * never sent again, and keeping each of them cost more than it saved: freezing every tree and
 * holding it until it was pushed out took 10–25% more proxy CPU per transaction under pgbench
 * -S -c8 and TPC-B, where no text repeats (ad hoc, side by side with the build before).
 *
 * Entries are frozen all the way down. A caller that changed a shared classification would
 * change the verdict on every later session's statement, so an attempt throws instead.
 * Each setting keeps up to `capacity` texts; the least recently used goes first.
 */
export class ClassificationCache {
  /** One set of maps per standard_conforming_strings setting: the same text reads differently under each. */
  private readonly conforming = new KeptAndSeen();
  private readonly nonConforming = new KeptAndSeen();

  constructor(private readonly capacity: number) {}

  get(text: string, standardConformingStrings: boolean): SqlClassification | undefined {
    const { kept } = this.mapsFor(standardConformingStrings);
    const hit = kept.get(text);
    if (hit !== undefined) {
      // Map iteration order is insertion order: re-inserting marks it most recently used.
      kept.delete(text);
      kept.set(text, hit);
    }
    return hit;
  }

  /** Offers what classifySql made of `text`; returns whether it is now kept (see the class comment). */
  remember(text: string, standardConformingStrings: boolean, result: ClassifiedSql): boolean {
    const { classification } = result;
    if (this.capacity <= 0 || text.length > MAX_CACHED_TEXT_CHARS || result.readPreparedStatements || classification.effects.length > 0) return false;
    const { kept, seenOnce } = this.mapsFor(standardConformingStrings);
    if (!seenOnce.delete(text)) {
      seenOnce.set(text, true);
      this.bound(seenOnce);
      return false;
    }
    kept.set(text, deepFreeze(classification));
    this.bound(kept);
    return true;
  }

  get size(): number {
    return this.conforming.kept.size + this.nonConforming.kept.size;
  }

  private mapsFor(standardConformingStrings: boolean): KeptAndSeen {
    return standardConformingStrings ? this.conforming : this.nonConforming;
  }

  private bound(entries: Map<string, unknown>): void {
    if (entries.size > this.capacity) entries.delete(entries.keys().next().value!);
  }
}

class KeptAndSeen {
  readonly kept = new Map<string, SqlClassification>();
  /** Texts offered once, not yet kept. */
  readonly seenOnce = new Map<string, true>();
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}

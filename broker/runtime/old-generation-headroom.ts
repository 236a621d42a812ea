import { setFlagsFromString } from 'node:v8';

/**
 * Lets the old generation grow to three times what survived the last full collection.
 *
 * V8 starts marking for a full collection once the room left under the old generation's limit
 * comes near the young generation's size. A busy proxy (many short statements) grows the young
 * generation to its maximum, 2 × 16 MB; V8's own growing factor for a small, quickly collected
 * heap then leaves only ~24 MB of room (`--trace-incremental-marking`: "Start (allocation
 * limit)", 14 MB used of a 37 MB limit). Nearly every young collection of a fast result stream
 * then started a full one: 10–13 per two million-row masked streams, each marking the whole
 * heap. With the fixed factor the room stays well above the young generation and those
 * collections stop (0–2 per two streams). The price is a larger limit: a proxy with 14 MB of
 * live heap may grow to ~42 MB before collecting; side by side through the bench's sequence,
 * peak RSS was 145–171 MB against 147–158 MB. `npm run bench:pg` prices the effect. The flag
 * is read at every limit computation, so setting it after start-up takes effect.
 *
 * Capping the young generation instead (its growth factor is also read at run time) saved
 * ~40 MB of RSS, but a cap of 8 MB still ran 15–17 full collections per two streams, and smaller
 * caps made each pgbench statement cost the policy proxy more CPU and promoted more to the old
 * generation.
 */
export function keepOldGenerationHeadroom(): void {
  setFlagsFromString('--heap-growing-percent=200');
}

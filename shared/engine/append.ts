/**
 * Appends without spreading arguments: `target.push(...items)` passes every item as an
 * argument and throws a RangeError past the engine's argument limit (about 120,000 in V8),
 * which one archive of empty lines reaches. Findings and rows are appended through this.
 */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}

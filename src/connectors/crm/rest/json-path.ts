/**
 * Reads a value from a CRM's JSON answer by a dotted path (`data.first_name`, `results.0.id`). An
 * array met on the way stands for its first element unless the next step is an index, so
 * `data.id` reads Propstack's `{ data: [{ id }] }` and HubSpot's `results.id` its first result. An
 * array at the end is joined (`phones` → "a, b"). Pure.
 */
export function readPath(value: unknown, path: string): string | null {
  let v = value;
  for (const step of path.split('.')) {
    if (Array.isArray(v) && !/^\d+$/.test(step)) v = v[0];
    if (v === null || typeof v !== 'object') return null;
    v = Object.hasOwn(v, step) ? (v as Record<string, unknown>)[step] : undefined;
  }
  if (Array.isArray(v)) {
    const parts = v.map((x) => (x && typeof x === 'object' && 'value' in x ? (x as { value: unknown }).value : x)).filter((x) => typeof x === 'string' || typeof x === 'number');
    return parts.length ? parts.join(', ') : null;
  }
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

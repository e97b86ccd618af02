/**
 * The favourite rule: a user who has any enabled action (their own or a tenant-wide one) has exactly
 * one favourite, which is one of those. The favourite a user chose stays while it is enabled and
 * theirs; when it is deleted or disabled (or the user had none), the oldest enabled action takes its
 * place. The service applies this in the transaction of every change that can break it.
 */

/** What the rule needs to know of an action the user has. */
export type FavouriteCandidate = { id: string; enabled: boolean; createdAt: string };

/** The favourite the user must have given their actions and the stored one (null: none allowed). */
export function requiredFavourite(stored: string | null, actions: readonly FavouriteCandidate[]): string | null {
  const enabled = actions.filter((a) => a.enabled);
  if (stored !== null && enabled.some((a) => a.id === stored)) return stored;
  if (enabled.length === 0) return null;
  return enabled.reduce((oldest, a) => (a.createdAt < oldest.createdAt || (a.createdAt === oldest.createdAt && a.id < oldest.id) ? a : oldest)).id;
}

/** Why an action cannot become the user's favourite, or null when it can. */
export function favouriteRefusal(actionId: string, actions: readonly FavouriteCandidate[]): string | null {
  const action = actions.find((a) => a.id === actionId);
  if (!action) return 'is not an action of this user';
  if (!action.enabled) return 'is disabled; enable it before making it the favourite';
  return null;
}

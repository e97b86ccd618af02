/** The tenant a single-company install uses; created on the first start. */
export const DEFAULT_TENANT = 'default';

/** The OAuth scopes the skill understands, as declared in skill-package/accountLinking.json: the one list of them. */
export const Scope = {
  basicProfile: 'basic_profile',
  orderCar: 'order_car',
} as const;

export type ScopeName = (typeof Scope)[keyof typeof Scope];

export const ALL_SCOPES: readonly ScopeName[] = Object.values(Scope);

export function isScopeName(value: string): value is ScopeName {
  return (ALL_SCOPES as readonly string[]).includes(value);
}

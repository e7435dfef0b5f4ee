/** The OAuth scopes Ride Hailer understands, as declared in skill-package/accountLinking.json. */
export const Scope = {
  basicProfile: 'basic_profile',
  orderCar: 'order_car',
} as const;

export type ScopeName = (typeof Scope)[keyof typeof Scope];

export const ALL_SCOPES: readonly ScopeName[] = [Scope.basicProfile, Scope.orderCar];

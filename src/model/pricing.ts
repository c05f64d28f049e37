import type { CapacityType, Cloud } from './offering.ts';

/**
 * Negotiated discounts (an EDP, a private pricing agreement, a committed-use
 * deal) as factors on list prices: 0.9 means 10% off. Factors that match an
 * offering multiply, so `cloud.aws = 0.9` and `capacityType.on-demand = 0.95`
 * give AWS on-demand 0.855 of list. Absent keys mean 1. Applied to live and
 * embedded prices alike, so a decision never compares a discounted price with
 * an undiscounted one.
 */
export interface PriceMultipliers {
  cloud?: Partial<Record<Cloud, number>>;
  /** By instance family as offerings name it (`m5`, `n2`, `Dsv5`, `fargate`). */
  family?: Record<string, number>;
  capacityType?: Partial<Record<CapacityType, number>>;
}

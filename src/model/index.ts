export * from './claim.ts';
export * from './decision.ts';
export * from './errors.ts';
export * from './labels.ts';
export * from './offering.ts';
export * from './policy.ts';
export * from './resources.ts';
export * from './seams.ts';

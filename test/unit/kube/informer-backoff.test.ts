import { describe, expect, it } from 'vitest';
import { RestartBackoff } from '../../../src/kube/informer.ts';

describe('RestartBackoff (watch restarts)', () => {
  it('doubles from the first delay and never exceeds its cap', () => {
    const b = new RestartBackoff(250, 2_000);
    expect(Array.from({ length: 7 }, () => b.next())).toEqual([250, 500, 1000, 2000, 2000, 2000, 2000]);
  });

  it('starts afresh after any success, however long the outage before it', () => {
    const b = new RestartBackoff(250, 2_000);
    for (let i = 0; i < 20; i++) b.next();
    b.reset();
    expect(b.next()).toBe(250);
  });
});

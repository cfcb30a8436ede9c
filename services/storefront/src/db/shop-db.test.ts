import { AppError } from '@incident-lab/service-kit';
import { describe, expect, it } from 'vitest';
import { isTransientFailure } from './shop-db';

describe('what a storefront consumer puts back instead of parking', () => {
  it('puts back a message shed by the pool or cut off from the database, and parks a real failure', () => {
    const shed = new AppError({
      status: 503,
      code: 'overloaded',
      title: 'The shop is busy; try again shortly',
    });
    expect(isTransientFailure(shed)).toBe(true);
    expect(isTransientFailure(Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST' }))).toBe(
      true,
    );
    expect(isTransientFailure(new AppError({ status: 409, code: 'conflict', title: 'no' }))).toBe(false);
    expect(isTransientFailure(new Error('Unknown column'))).toBe(false);
  });
});

import type { ActivityOptions } from '@temporalio/workflow';

/** The few timeout/retry profiles activities run under; one proxyActivities per profile. */
export const QUICK: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumAttempts: 3 },
};
